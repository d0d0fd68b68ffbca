package dev.airlock.pendrive.fat;

import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * FAT's packed date and time (2-second resolution, years 1980..2107). Pendrives store UTC, like a Linux mount
 * with {@code tz=UTC}: both domains then agree whatever their time zones.
 */
final class FatTime {
    private static final long MIN = LocalDateTime.of(1980, 1, 1, 0, 0).toEpochSecond(ZoneOffset.UTC);
    private static final long MAX = LocalDateTime.of(2107, 12, 31, 23, 59, 58).toEpochSecond(ZoneOffset.UTC);

    private FatTime() {
    }

    /** The date (high 16 bits) and time (low 16 bits) of an epoch second, clamped to FAT's range. */
    static int encode(long epochSecond) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(Math.clamp(epochSecond, MIN, MAX), 0, ZoneOffset.UTC);
        int date = ((t.getYear() - 1980) << 9) | (t.getMonthValue() << 5) | t.getDayOfMonth();
        int time = (t.getHour() << 11) | (t.getMinute() << 5) | (t.getSecond() / 2);
        return (date << 16) | time;
    }

    /**
     * The epoch second of a date and time from an image. An impossible value (month 13, hour 25, February 30) is
     * not worth refusing an image for: it reads as the FAT epoch, 1980-01-01.
     */
    static long decode(int date, int time) {
        int year = 1980 + ((date >> 9) & 0x7F);
        int month = (date >> 5) & 0x0F;
        int day = date & 0x1F;
        int hour = (time >> 11) & 0x1F;
        int minute = (time >> 5) & 0x3F;
        int second = (time & 0x1F) * 2;
        if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59
                || day > java.time.YearMonth.of(year, month).lengthOfMonth()) {
            return MIN;
        }
        return LocalDateTime.of(year, month, day, hour, minute, second).toEpochSecond(ZoneOffset.UTC);
    }
}
