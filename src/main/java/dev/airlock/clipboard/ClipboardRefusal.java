package dev.airlock.clipboard;

/** A copy or paste that does not happen, with the one-line reason the user is told (never the clipboard's text). */
public final class ClipboardRefusal extends Exception {
    public ClipboardRefusal(String message) {
        super(message);
    }
}
