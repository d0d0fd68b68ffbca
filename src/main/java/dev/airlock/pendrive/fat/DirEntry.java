package dev.airlock.pendrive.fat;

import java.nio.ByteBuffer;

/** The 32-byte short directory entry: its fields and their encoding. */
final class DirEntry {
    static final int SIZE = 32;
    static final int ATTR_READ_ONLY = 0x01;
    static final int ATTR_HIDDEN = 0x02;
    static final int ATTR_SYSTEM = 0x04;
    static final int ATTR_VOLUME_ID = 0x08;
    static final int ATTR_DIRECTORY = 0x10;
    static final int ATTR_ARCHIVE = 0x20;
    static final int ATTR_LONG_NAME = 0x0F;
    /** First name byte of a deleted entry. */
    static final int DELETED = 0xE5;
    /** Case flags (byte 12): the base name, or the extension, is lower case. */
    static final int LOWER_BASE = 0x08;
    static final int LOWER_EXT = 0x10;

    private DirEntry() {
    }

    /**
     * Writes one short entry at {@code at} (absolute index into {@code b}, which must be little-endian).
     *
     * @param dateTime FAT date in the high 16 bits and time in the low 16, as {@link FatTime#encode} makes them
     */
    static void put(ByteBuffer b, int at, byte[] shortName, int attributes, long firstCluster, long size,
                    int dateTime) {
        b.put(at, shortName, 0, 11);
        b.put(at + 11, (byte) attributes);
        b.put(at + 12, (byte) 0);
        b.put(at + 13, (byte) 0);
        short time = (short) dateTime;
        short date = (short) (dateTime >>> 16);
        b.putShort(at + 14, time);
        b.putShort(at + 16, date);
        b.putShort(at + 18, date);
        b.putShort(at + 20, (short) (firstCluster >>> 16));
        b.putShort(at + 22, time);
        b.putShort(at + 24, date);
        b.putShort(at + 26, (short) firstCluster);
        b.putInt(at + 28, (int) size);
    }

    static long firstCluster(ByteBuffer b, int at) {
        return ((long) (b.getShort(at + 20) & 0xFFFF) << 16 | (b.getShort(at + 26) & 0xFFFF)) & 0x0FFF_FFFFL;
    }

    static long size(ByteBuffer b, int at) {
        return Integer.toUnsignedLong(b.getInt(at + 28));
    }

    static long modified(ByteBuffer b, int at) {
        return FatTime.decode(b.getShort(at + 24) & 0xFFFF, b.getShort(at + 22) & 0xFFFF);
    }
}
