package dev.airlock.filecopy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Byte-building helpers for the name tests. Nothing here depends on the default charset. */
final class Utf8Bytes {

    private Utf8Bytes() {
    }

    /** The UTF-8 bytes of a well-formed string (no lone surrogates). */
    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Raw bytes from ints 0..255. */
    static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] > 0xFF) {
                throw new IllegalArgumentException("not a byte: " + values[i]);
            }
            out[i] = (byte) values[i];
        }
        return out;
    }

    /**
     * The shortest-form UTF-8 bit pattern of any value 0..0x10FFFF, surrogates included (which a real encoder would
     * refuse to produce: here they come out as the 3-byte {@code ED A0 80..ED BF BF} forms an attacker could send).
     */
    static byte[] encode(int cp) {
        if (cp < 0 || cp > 0x10FFFF) {
            throw new IllegalArgumentException("out of range: " + cp);
        }
        if (cp < 0x80) {
            return new byte[] {(byte) cp};
        }
        if (cp < 0x800) {
            return new byte[] {(byte) (0xC0 | cp >> 6), (byte) (0x80 | cp & 0x3F)};
        }
        if (cp < 0x1_0000) {
            return new byte[] {(byte) (0xE0 | cp >> 12), (byte) (0x80 | cp >> 6 & 0x3F), (byte) (0x80 | cp & 0x3F)};
        }
        return new byte[] {(byte) (0xF0 | cp >> 18), (byte) (0x80 | cp >> 12 & 0x3F), (byte) (0x80 | cp >> 6 & 0x3F),
            (byte) (0x80 | cp & 0x3F)};
    }

    /** An overlong (non-shortest, invalid) encoding of {@code cp} in exactly {@code length} bytes (2..4). */
    static byte[] overlong(int cp, int length) {
        int[] max = {0, 0x7F, 0x7FF, 0xFFFF, 0x1FFFFF};
        if (length < 2 || length > 4 || cp < 0 || cp > max[length - 1]) {
            throw new IllegalArgumentException("no overlong form of " + cp + " in " + length + " bytes");
        }
        byte[] out = new byte[length];
        int[] leadMarker = {0, 0, 0xC0, 0xE0, 0xF0};
        int v = cp;
        for (int i = length - 1; i > 0; i--) {
            out[i] = (byte) (0x80 | v & 0x3F);
            v >>>= 6;
        }
        out[0] = (byte) (leadMarker[length] | v);
        return out;
    }

    /** Concatenation of byte arrays, Strings (as UTF-8) and Integers (code points, as {@link #encode}). */
    static byte[] cat(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            switch (part) {
                case byte[] b -> out.writeBytes(b);
                case String s -> out.writeBytes(utf8(s));
                case Integer cp -> out.writeBytes(encode(cp));
                default -> throw new IllegalArgumentException("cannot append " + part);
            }
        }
        return out.toByteArray();
    }

    /** Hex dump for assertion messages. */
    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(String.format("%02X", x & 0xFF));
        }
        return sb.toString();
    }
}
