package dev.airlock.backup;

import java.io.IOException;

/**
 * A backup that breaks a rule of the format or fails authentication: the message says which rule, in words a
 * user can act on, and nothing read after it is used.
 */
public final class BackupFormatException extends IOException {
    public BackupFormatException(String message) {
        super(message);
    }
}
