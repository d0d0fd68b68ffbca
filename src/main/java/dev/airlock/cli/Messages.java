package dev.airlock.cli;

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

    /** Escapes control characters so that text from other programs cannot drive the terminal. */
    static String safe(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 && cp != '\t' || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)
                    || Character.getType(cp) == Character.FORMAT) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.toString();
    }
}
