package dev.airlock.notify;

/**
 * Text made inert for a notification. Daemons may read the body (dunst: the summary too) as markup, where a domain's
 * name or argument could add links, images or fake lines; a terminal-style control or a direction override could
 * reorder what is shown. So: controls and invisible formatting characters go, {@code &}, {@code <}, {@code >} are
 * escaped, and the text is cut to a bound before escaping, so that no entity is cut in half.
 */
final class Markup {
    /** The most characters of a summary. */
    static final int MAX_SUMMARY = 160;
    /** The most characters of a body. */
    static final int MAX_BODY = 600;

    private Markup() {
    }

    /** {@code raw} as inert text of at most {@code max} characters before escaping; line breaks kept if asked. */
    static String inert(String raw, int max, boolean lines) {
        StringBuilder plain = new StringBuilder();
        int count = 0;
        for (int i = 0; i < raw.length() && count < max; ) {
            int cp = raw.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == '\n' && lines) {
                plain.append('\n');
            } else if (Character.isISOControl(cp) || hidden(cp)) {
                plain.append(' ');
            } else {
                plain.appendCodePoint(cp);
            }
            count++;
            if (count == max && i < raw.length()) {
                plain.append("...");
            }
        }
        return escape(plain.toString());
    }

    /** Formatting characters that change how text around them reads: direction overrides, zero-width marks. */
    private static boolean hidden(int cp) {
        int type = Character.getType(cp);
        return type == Character.FORMAT || type == Character.PRIVATE_USE || type == Character.UNASSIGNED
                || type == Character.SURROGATE || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR;
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
