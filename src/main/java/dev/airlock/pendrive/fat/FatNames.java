package dev.airlock.pendrive.fat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * FAT's names: the 11-byte short (8.3) name, the VFAT long name spread over 13-character slots, the checksum that
 * ties them, and the volume label. Pure functions over strings and buffers.
 */
final class FatNames {
    /** Longest long name, in UTF-16 units. */
    static final int MAX_LONG = 255;
    /** Most LFN slots for one name: ceil(255 / 13). */
    static final int MAX_SLOTS = 20;
    static final int CHARS_PER_SLOT = 13;
    /** Byte offsets of the 13 UTF-16 characters inside an LFN slot. */
    static final int[] SLOT_CHAR_OFFSETS = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
    private static final String SHORT_SPECIALS = "$%'-_@~`!(){}^#&";
    /** Characters FAT forbids in a long name (besides controls). */
    static final String LONG_FORBIDDEN = "\"*/:<>?\\|";

    private FatNames() {
    }

    /** The checksum of a short name that every LFN slot of the same entry carries. */
    static int checksum(byte[] shortName, int offset) {
        int sum = 0;
        for (int i = 0; i < 11; i++) {
            sum = (((sum & 1) << 7) | ((sum & 0xFF) >> 1)) + (shortName[offset + i] & 0xFF);
        }
        return sum & 0xFF;
    }

    /**
     * The volume label for a domain name: upper-cased, cut to the 11 bytes of the field and padded with spaces.
     * Domain names are {@code [A-Za-z0-9_-]}; anything else is refused rather than guessed.
     */
    static byte[] label(String domain) {
        if (domain.isEmpty()) {
            throw new IllegalArgumentException("a volume label needs a name");
        }
        for (int i = 0; i < domain.length(); i++) {
            char c = domain.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                throw new IllegalArgumentException("a volume label takes only A-Z, 0-9, _ and -, not '" + domain + "'");
            }
        }
        String up = domain.toUpperCase(Locale.ROOT);
        return pad(up.substring(0, Math.min(11, up.length())), 11);
    }

    /** {@code s} in ASCII, padded with spaces to {@code length} bytes. */
    static byte[] pad(String s, int length) {
        byte[] out = new byte[length];
        java.util.Arrays.fill(out, (byte) ' ');
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, out, 0, b.length);
        return out;
    }

    /** Refuses a name that FAT cannot store as a long name, or that would not read back as itself. */
    static void checkLongName(String name) throws FatException.BadName {
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new FatException.BadName("'" + name + "' cannot be a name on a pendrive");
        }
        if (name.length() > MAX_LONG) {
            throw new FatException.BadName("'" + name + "' is longer than FAT's 255 characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7F || LONG_FORBIDDEN.indexOf(c) >= 0) {
                throw new FatException.BadName("'" + name + "' has a character that FAT forbids ("
                        + String.format("U+%04X", (int) c) + ")");
            }
            if (Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < name.length()
                    && Character.isLowSurrogate(name.charAt(++i)))) {
                throw new FatException.BadName("'" + name + "' is not valid Unicode");
            }
        }
        char last = name.charAt(name.length() - 1);
        if (last == '.' || last == ' ') {
            // Windows and Linux's vfat drop trailing dots and spaces: the name would not read back.
            throw new FatException.BadName("'" + name + "' ends with a dot or a space, which FAT drops");
        }
    }

    /**
     * The short name to store for {@code name}: the name itself when it is an upper-case 8.3 name not yet taken,
     * else a basis name with a numeric tail ({@code LONGNA~1.TXT}) not in {@code taken}. Returns 11 bytes.
     */
    static byte[] shortName(String name, Set<String> taken) throws FatException.BadName {
        byte[] exact = exactShortName(name);
        if (exact != null && !taken.contains(key(exact))) {
            return exact;
        }
        String stripped = name.replaceFirst("^\\.+", "");
        int dot = stripped.lastIndexOf('.');
        String base = basisPart(dot < 0 ? stripped : stripped.substring(0, dot), 8);
        String ext = dot < 0 ? "" : basisPart(stripped.substring(dot + 1), 3);
        if (base.isEmpty()) {
            base = "_";
        }
        for (int n = 1; n <= 999_999; n++) {
            String tail = "~" + n;
            String b = base.substring(0, Math.min(base.length(), 8 - tail.length())) + tail;
            byte[] candidate = new byte[11];
            System.arraycopy(pad(b, 8), 0, candidate, 0, 8);
            System.arraycopy(pad(ext, 3), 0, candidate, 8, 3);
            if (!taken.contains(key(candidate))) {
                return candidate;
            }
        }
        throw new FatException.BadName("no free short name left for '" + name + "'");
    }

    /** True when the 11 bytes stand for the name exactly, so that no long name is needed. */
    static boolean isExact(String name, byte[] shortName) {
        byte[] exact = exactShortName(name);
        return exact != null && java.util.Arrays.equals(exact, shortName);
    }

    /** The key of a short name in a directory's set of taken names. */
    static String key(byte[] shortName) {
        return new String(shortName, StandardCharsets.ISO_8859_1);
    }

    private static byte[] exactShortName(String name) {
        int dot = name.indexOf('.');
        String base = dot < 0 ? name : name.substring(0, dot);
        String ext = dot < 0 ? "" : name.substring(dot + 1);
        if (base.isEmpty() || base.length() > 8 || ext.length() > 3 || dot >= 0 && ext.isEmpty()
                || !shortChars(base) || !shortChars(ext)) {
            return null;
        }
        byte[] out = new byte[11];
        System.arraycopy(pad(base, 8), 0, out, 0, 8);
        System.arraycopy(pad(ext, 3), 0, out, 8, 3);
        return out;
    }

    private static boolean shortChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || SHORT_SPECIALS.indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }

    /** Upper-cased, spaces and dots dropped, other characters outside the short set replaced by {@code _}. */
    private static String basisPart(String s, int max) {
        StringBuilder b = new StringBuilder();
        String up = s.toUpperCase(Locale.ROOT);
        for (int i = 0; i < up.length() && b.length() < max; i++) {
            char c = up.charAt(i);
            if (c == ' ' || c == '.') {
                continue;
            }
            b.append(c < 0x80 && (c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || SHORT_SPECIALS.indexOf(c) >= 0)
                    ? c : '_');
            if (Character.isHighSurrogate(c)) {
                i++; // one '_' for the whole pair
            }
        }
        return b.toString();
    }

    /** Number of LFN slots for a long name. */
    static int slots(String name) {
        return (name.length() + CHARS_PER_SLOT - 1) / CHARS_PER_SLOT;
    }

    /**
     * Writes the LFN slots of {@code name} at the position of {@code out}, last part first as the format wants;
     * {@code out} advances by {@code 32 * slots(name)} bytes.
     */
    static void putLongName(ByteBuffer out, String name, int checksum) {
        int slots = slots(name);
        for (int s = slots; s >= 1; s--) {
            int at = out.position();
            out.put(at, (byte) (s == slots ? s | 0x40 : s));
            out.put(at + 11, (byte) 0x0F);
            out.put(at + 12, (byte) 0);
            out.put(at + 13, (byte) checksum);
            out.putShort(at + 26, (short) 0);
            for (int k = 0; k < CHARS_PER_SLOT; k++) {
                int i = (s - 1) * CHARS_PER_SLOT + k;
                int unit = i < name.length() ? name.charAt(i) : i == name.length() ? 0 : 0xFFFF;
                out.putShort(at + SLOT_CHAR_OFFSETS[k], (short) unit);
            }
            out.position(at + 32);
        }
    }
}
