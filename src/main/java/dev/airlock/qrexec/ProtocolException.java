package dev.airlock.qrexec;

import java.io.IOException;

/**
 * Input that breaks the qrexec protocol. It ends the session: the connection is closed, nothing after the bad field
 * is read. The reason is for code and tests; the message is for the log.
 */
public final class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What was wrong. */
    public enum Reason {
        /** A message type this implementation does not know. */
        UNKNOWN_TYPE,
        /** A length over 65536, the limit of every message. */
        OVERSIZED_LENGTH,
        /** A payload whose size does not fit its type (exit code, hello, the fields of a control message). */
        BAD_PAYLOAD_SIZE,
        /** A field with a value its type does not allow: a name, a reason text, an exit code. */
        INVALID_FIELD,
        /** A peer speaking a protocol version older than ours. */
        UNSUPPORTED_VERSION,
        /** Data on a stream after that stream's EOF. */
        DATA_AFTER_EOF,
        /** A message that never flows in this direction. */
        WRONG_DIRECTION,
        /** A message that may flow in this direction but not now: before HELLO, a second HELLO, after EXIT_CODE. */
        OUT_OF_ORDER,
        /** The input ended inside a message. */
        TRUNCATED
    }

    private final Reason reason;

    ProtocolException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
