package dev.airlock.backup;

import java.nio.charset.StandardCharsets;

/**
 * The key strings handed to scrypt ({@code docs/backup.md} sections 4 and 5): each binds a passphrase to the
 * backup and to one chunk's name and position, so that a chunk moved from another file, position or backup fails
 * authentication. The scrypt tool reads one line of at most 2047 bytes, so a key string is refused if it could
 * not be typed there.
 */
public final class KeyStrings {

    /** The longest key string the scrypt tool reads. */
    public static final int MAX_BYTES = 2047;

    private KeyStrings() {
    }

    /** The key of {@code backup-header.hmac}: {@code backup-header!PASSPHRASE}. */
    public static byte[] header(String passphrase) {
        return check("backup-header!" + passphrase);
    }

    /** The key of chunk {@code NAME} (without {@code .enc}): {@code BACKUP_ID!NAME!PASSPHRASE}. */
    public static byte[] chunk(String backupId, String chunkName, String passphrase) {
        return check(backupId + "!" + chunkName + "!" + passphrase);
    }

    /**
     * Checks a passphrase for use in key strings.
     *
     * @throws IllegalArgumentException if it is empty, holds a line break or NUL, or is too long
     */
    public static String requirePassphrase(String passphrase) {
        if (passphrase.isEmpty()) {
            throw new IllegalArgumentException("the passphrase is empty");
        }
        if (passphrase.indexOf('\n') >= 0 || passphrase.indexOf('\r') >= 0 || passphrase.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("the passphrase holds a line break or NUL, which the scrypt tool "
                    + "cannot read");
        }
        if (passphrase.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES - 400) {
            throw new IllegalArgumentException("the passphrase is longer than " + (MAX_BYTES - 400) + " bytes");
        }
        return passphrase;
    }

    private static byte[] check(String keyString) {
        byte[] b = keyString.getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_BYTES) {
            throw new IllegalArgumentException("a key string is longer than the scrypt tool reads (" + MAX_BYTES
                    + " bytes)");
        }
        return b;
    }
}
