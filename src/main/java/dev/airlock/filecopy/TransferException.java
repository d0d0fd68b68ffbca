package dev.airlock.filecopy;

import java.io.IOException;

/** A file copy that did not succeed; the message is a complete sentence for the user. */
public final class TransferException extends IOException {
    private static final long serialVersionUID = 1L;

    public TransferException(String message) {
        super(message);
    }

    public TransferException(String message, Throwable cause) {
        super(message, cause);
    }
}
