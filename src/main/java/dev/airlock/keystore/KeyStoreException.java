package dev.airlock.keystore;

/** A refused key-store operation: a malformed path, a key outside the caller's subtree, or a limit reached. */
public final class KeyStoreException extends RuntimeException {
    /** Why an operation was refused, so callers can map it to an error code without reading the message. */
    public enum Reason {
        /** The path is not well formed. */
        INVALID_PATH,
        /** The caller may not touch this path. */
        PERMISSION,
        /** The value is too long or not printable. */
        INVALID_VALUE,
        /** The caller's subtree holds the maximum number of keys. */
        TOO_MANY_KEYS,
        /** The caller holds the maximum number of watches. */
        TOO_MANY_WATCHES
    }

    private final Reason reason;

    KeyStoreException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
