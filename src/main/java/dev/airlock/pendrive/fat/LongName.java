package dev.airlock.pendrive.fat;

import java.nio.ByteBuffer;

/**
 * Collects the slots of one VFAT long name in a directory of a hostile image, which come last part first, and checks
 * them against each other and against their short entry's checksum: a broken sequence is an error, never replaced
 * by the short name (see {@link FatReader}).
 */
final class LongName {
    private final String dirName;
    private final char[] chars = new char[FatNames.MAX_SLOTS * FatNames.CHARS_PER_SLOT];
    private int expected;
    private int parts;
    private int sum;

    LongName(String dirName) {
        this.dirName = dirName;
    }

    boolean pending() {
        return expected != 0;
    }

    void requireNone() throws FatException.Corrupt {
        if (expected != 0) {
            throw broken("a long name is not followed by its short entry");
        }
    }

    void add(ByteBuffer b, int at) throws FatException.Corrupt {
        int ord = b.get(at) & 0xFF;
        int n = ord & 0x3F;
        int check = b.get(at + 13) & 0xFF;
        if ((ord & 0x80) != 0 || n < 1 || n > FatNames.MAX_SLOTS || b.get(at + 12) != 0
                || b.getShort(at + 26) != 0) {
            throw broken("a long-name part is malformed");
        }
        if ((ord & 0x40) != 0) {
            requireNone();
            parts = n;
            sum = check;
        } else if (expected == 0 || n != expected - 1 || check != sum) {
            throw broken("long-name parts are missing, out of order or from different names");
        }
        expected = n;
        for (int k = 0; k < FatNames.CHARS_PER_SLOT; k++) {
            chars[(n - 1) * FatNames.CHARS_PER_SLOT + k] = b.getChar(at + FatNames.SLOT_CHAR_OFFSETS[k]);
        }
    }

    String finish(int shortChecksum) throws FatException {
        if (expected != 1) {
            throw broken("a long name is missing its first part");
        }
        expected = 0;
        if (sum != shortChecksum) {
            throw broken("a long name's checksum does not match its short entry");
        }
        int length = 0;
        int max = parts * FatNames.CHARS_PER_SLOT;
        while (length < max && chars[length] != 0) {
            length++;
        }
        if (length == 0 || length > FatNames.MAX_LONG) {
            throw broken("a long name is empty or longer than 255 characters");
        }
        String name = new String(chars, 0, length);
        for (int i = 0; i < length; i++) {
            char c = name.charAt(i);
            if (c < 0x20 || FatNames.LONG_FORBIDDEN.indexOf(c) >= 0) {
                throw new FatException.BadName("a name in " + dirName + " has the character "
                        + String.format("U+%04X", (int) c) + ", which FAT forbids");
            }
            if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(name.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new FatException.BadName("a name in " + dirName + " is not valid UTF-16");
            }
        }
        return name;
    }

    private FatException.Corrupt broken(String why) {
        expected = 0;
        return new FatException.Corrupt(why + " in " + dirName);
    }
}
