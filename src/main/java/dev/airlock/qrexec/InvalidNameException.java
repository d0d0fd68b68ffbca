package dev.airlock.qrexec;

/**
 * A service name, argument, domain name or call target that breaks the naming rules of {@link QrexecNames}. Unchecked
 * because record constructors validate with it; a codec turns it into a {@link ProtocolException} before it can leave a
 * decoder.
 */
public final class InvalidNameException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Which kind of name was refused. */
    public enum Kind {
        SERVICE, ARGUMENT, DOMAIN, TARGET
    }

    private final Kind kind;

    InvalidNameException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
