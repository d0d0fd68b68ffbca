package dev.airlock.text;

/**
 * Makes text that may come from a domain (a file name, a reply's last name, a service's message) safe to print on
 * the user's terminal: what a terminal would act on or what hides or reorders the text around it is shown as a
 * backslash escape with its hexadecimal code, never passed on. A name with {@code ESC ]...} could retitle the
 * window, rewrite the screen or (on some terminals) answer with keystrokes; one with U+202E RIGHT-TO-LEFT OVERRIDE
 * could show {@code invoice-exe.pdf} for {@code invoice-fdp.exe}.
 */
public final class TerminalText {
    private TerminalText() {
    }

    /**
     * Whether the code point is escaped: C0 controls but tab, DEL, C1 controls, the format characters (bidi
     * embeddings, overrides and isolates, U+200E/U+200F, U+061C, zero-width characters, the byte-order mark,
     * tags), the line and paragraph separators, lone surrogates (undecodable input) and unassigned code points.
     * Tab is kept: it moves the cursor within a line only.
     */
    public static boolean hides(int cp) {
        if (cp < 0x20) {
            return cp != '\t';
        }
        if (cp >= 0x7f && cp < 0xa0) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SURROGATE,
                 Character.UNASSIGNED -> true;
            default -> false;
        };
    }

    /**
     * {@code text} with every code point that {@link #hides} hides written as a backslash, {@code u} and four hex
     * digits (above U+FFFF: {@code U} and eight).
     */
    public static String escape(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (!hides(cp)) {
                b.appendCodePoint(cp);
            } else if (cp <= 0xffff) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.append(String.format("\\U%08x", cp));
            }
        });
        return b.toString();
    }
}
