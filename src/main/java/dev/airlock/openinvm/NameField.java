package dev.airlock.openinvm;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The 256-byte name field that opens a {@code qubes.OpenInVM} request: the file's base name, optionally prefixed by
 * {@code view-only-}, NUL-padded, byte 255 always NUL. A name that does not fit keeps its tail, so that the
 * extension (which picks the handler) survives.
 *
 * @param name     the base name as the service will use it: only {@code [0-9A-Za-z._+@-]}, never {@code .} or
 *                 {@code ..}, 1 to 255 characters
 * @param viewOnly whether the client ignores any reply
 */
public record NameField(String name, boolean viewOnly) {
    /** Size of the field on the wire. */
    public static final int SIZE = 256;
    /** The prefix that asks for view-only. */
    public static final String VIEW_ONLY_PREFIX = "view-only-";
    private static final byte[] PREFIX = VIEW_ONLY_PREFIX.getBytes(StandardCharsets.US_ASCII);

    /** Thrown for a field that the service must refuse. */
    public static final class InvalidNameException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidNameException(String message) {
            super(message, null, false, false);
        }
    }

    public NameField {
        if (name.isEmpty() || name.length() > SIZE - 1 || name.equals(".") || name.equals("..")
                || !name.chars().allMatch(NameField::allowed)) {
            throw new IllegalArgumentException("not a sanitised name: " + name);
        }
    }

    /**
     * The field a client sends for a file named {@code baseName} (bytes, as the file system has them). A base name
     * longer than the room left keeps its last bytes. A file that is not view-only but whose name starts with
     * {@code view-only-} is sent as {@code view_only-...}, so that the service does not mistake it.
     */
    public static byte[] encode(byte[] baseName, boolean viewOnly) {
        if (baseName.length == 0) {
            throw new IllegalArgumentException("empty file name");
        }
        for (byte b : baseName) {
            if (b == '/' || b == 0) {
                throw new IllegalArgumentException("a base name cannot contain '/' or NUL");
            }
        }
        byte[] field = new byte[SIZE];
        int at = 0;
        if (viewOnly) {
            System.arraycopy(PREFIX, 0, field, 0, PREFIX.length);
            at = PREFIX.length;
        }
        int room = SIZE - 1 - at;
        int keep = Math.min(room, baseName.length);
        System.arraycopy(baseName, baseName.length - keep, field, at, keep);
        if (!viewOnly && keep > PREFIX.length && Arrays.equals(field, 0, PREFIX.length, PREFIX, 0, PREFIX.length)) {
            // The service would take the name for a view-only request and the edit would be lost.
            field[4] = '_';
        }
        return field;
    }

    /**
     * Parses a field as the service receives it: the name ends at the first NUL, which must come before byte 255,
     * and everything after it must be NUL too. A {@code /} anywhere in the name, an empty name, and {@code .} or
     * {@code ..} are refused; other bytes outside {@code [0-9A-Za-z._+@-]} become {@code _}.
     */
    public static NameField decode(byte[] field) throws InvalidNameException {
        if (field.length != SIZE) {
            throw new InvalidNameException("the name field is " + field.length + " bytes, not " + SIZE);
        }
        int end = 0;
        while (end < SIZE && field[end] != 0) {
            end++;
        }
        if (end == SIZE) {
            throw new InvalidNameException("the name field is not NUL-terminated");
        }
        for (int i = end; i < SIZE; i++) {
            if (field[i] != 0) {
                throw new InvalidNameException("the name field has bytes after its end");
            }
        }
        byte[] raw = Arrays.copyOf(field, end);
        boolean viewOnly = raw.length > PREFIX.length && Arrays.equals(raw, 0, PREFIX.length, PREFIX, 0,
                PREFIX.length);
        byte[] name = viewOnly ? Arrays.copyOfRange(raw, PREFIX.length, raw.length) : raw;
        if (name.length == 0) {
            throw new InvalidNameException("the name field holds no name");
        }
        StringBuilder sanitised = new StringBuilder(name.length);
        for (byte b : name) {
            if (b == '/') {
                throw new InvalidNameException("the name contains '/'");
            }
            sanitised.append(allowed(b & 0xff) ? (char) b : '_');
        }
        String s = sanitised.toString();
        if (s.equals(".") || s.equals("..")) {
            throw new InvalidNameException("the name is '" + s + "'");
        }
        return new NameField(s, viewOnly);
    }

    /** The field for this (already sanitised) name. */
    public byte[] encode() {
        return encode(name.getBytes(StandardCharsets.US_ASCII), viewOnly);
    }

    private static boolean allowed(int c) {
        return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
                || c == '.' || c == '_' || c == '+' || c == '@' || c == '-';
    }
}
