package dev.airlock.xdg;

/** A {@code .desktop} entry that cannot be used safely; the message says why, without echoing the file. */
public final class MalformedEntryException extends Exception {
    private static final long serialVersionUID = 1L;

    /** An entry refused for {@code message}, a short reason fit for a user's terminal. */
    public MalformedEntryException(String message) {
        super(message, null, false, false);
    }
}
