package dev.airlock.cli;

import dev.airlock.text.TerminalText;

/** Turns exceptions into one-line messages for the user. */
final class Messages {
    private Messages() {
    }

    static String describe(Throwable ex) {
        String msg = ex.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = ex.getClass().getSimpleName();
        }
        return safe(msg);
    }

    /**
     * Escapes control, bidi and other invisible characters so that text from other programs or domains cannot
     * drive the terminal or disguise a name; see {@link TerminalText}.
     */
    static String safe(String s) {
        return TerminalText.escape(s);
    }
}
