package dev.airlock.keystore;

import java.util.List;

/**
 * A checked key path: {@code /} alone (the root) or {@code /} followed by components separated by single
 * slashes. A component is 1 to 255 of {@code [A-Za-z0-9_.-]}, neither {@code .} nor {@code ..}. Nothing is
 * normalised: a path is valid as written or refused.
 */
public record KeyPath(String text) implements Comparable<KeyPath> {
    static final int MAX_COMPONENT_CHARS = 255;

    /** The root, above every key. */
    public static final KeyPath ROOT = new KeyPath("/");

    public KeyPath {
        check(text, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /** Checks {@code text} against the syntax and {@code limits}. */
    public static KeyPath parse(String text, Limits limits) {
        check(text, limits.maxPathChars(), limits.maxDepth());
        return text.equals("/") ? ROOT : new KeyPath(text);
    }

    private static void check(String text, int maxChars, int maxDepth) {
        if (text == null || text.isEmpty() || text.charAt(0) != '/') {
            throw invalid(text, "must start with /");
        }
        if (text.length() > maxChars) {
            throw invalid(text, "longer than " + maxChars + " characters");
        }
        if (text.equals("/")) {
            return;
        }
        int depth = 0;
        int start = 1;
        while (start <= text.length()) {
            int end = text.indexOf('/', start);
            if (end < 0) {
                end = text.length();
            }
            checkComponent(text, start, end);
            if (++depth > maxDepth) {
                throw invalid(text, "deeper than " + maxDepth + " components");
            }
            start = end + 1;
        }
    }

    private static void checkComponent(String text, int start, int end) {
        if (end == start) {
            throw invalid(text, "has an empty component");
        }
        if (end - start > MAX_COMPONENT_CHARS) {
            throw invalid(text, "has a component longer than " + MAX_COMPONENT_CHARS + " characters");
        }
        String c = text.substring(start, end);
        if (c.equals(".") || c.equals("..")) {
            throw invalid(text, "has a . or .. component");
        }
        for (int i = start; i < end; i++) {
            char ch = text.charAt(i);
            if (!(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9'
                    || ch == '_' || ch == '-' || ch == '.')) {
                throw invalid(text, "has a character outside A-Z a-z 0-9 _ . -");
            }
        }
    }

    private static KeyStoreException invalid(String text, String why) {
        String shown = text == null ? "null" : text.length() > 64 ? text.substring(0, 64) + "..." : text;
        return new KeyStoreException(KeyStoreException.Reason.INVALID_PATH,
                "invalid key path \"" + printable(shown) + "\": " + why);
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.chars().forEach(c -> b.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
        return b.toString();
    }

    /** Whether this path is {@code other} or lies below it. */
    public boolean isWithin(KeyPath other) {
        return other.text.equals("/") || text.equals(other.text)
                || text.startsWith(other.text) && text.charAt(other.text.length()) == '/';
    }

    /** The path of a child of this one; {@code name} is checked like any component. */
    public KeyPath child(String name, Limits limits) {
        return parse(text.equals("/") ? "/" + name : text + "/" + name, limits);
    }

    /** The components, the root having none. */
    public List<String> components() {
        return text.equals("/") ? List.of() : List.of(text.substring(1).split("/"));
    }

    @Override
    public int compareTo(KeyPath o) {
        return text.compareTo(o.text);
    }

    @Override
    public String toString() {
        return text;
    }
}
