package dev.airlock.menu;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Writing an argument so that the program reading it gets it back unchanged: for {@code sh} (single quotes) and for
 * a {@code .desktop} file's {@code Exec} key (Desktop Entry Specification 1.5: quoting rules, then the string escapes).
 * Whatever cannot be written safely is refused, never approximated.
 */
final class Quoting {
    /** Characters that must be quoted in {@code Exec}: the specification's reserved characters. */
    private static final String RESERVED = " \t\n\"'\\><~|&;$*?#()`";

    private Quoting() {
    }

    /** {@code value} as one {@code sh} word: in single quotes, a quote written as {@code '\''}. */
    static String shell(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }

    /** The words of {@code argv}, each {@link #shell quoted}, separated by spaces. */
    static String shell(List<String> argv) {
        return argv.stream().map(Quoting::shell).collect(Collectors.joining(" "));
    }

    /**
     * {@code arg} as one argument of an {@code Exec} value, the string escapes included (the result goes into the
     * file as it is). A {@code %} is written {@code %%} when no quoting is needed; inside quotes the specification
     * gives it no meaning, so such an argument is refused, as is any control character.
     */
    static String execArg(String arg) {
        if (arg.isEmpty()) {
            return "\"\"";
        }
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException("a control character cannot be written in an Exec line: "
                        + arg.strip());
            }
        }
        boolean quote = arg.chars().anyMatch(c -> RESERVED.indexOf(c) >= 0);
        if (!quote) {
            return arg.replace("%", "%%");
        }
        if (arg.indexOf('%') >= 0) {
            throw new IllegalArgumentException("an argument with both % and a character that needs quoting cannot "
                    + "be written in an Exec line: " + arg);
        }
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            if (c == '"' || c == '`' || c == '$' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        // The general string escape comes last: every backslash of the quoting is written twice in the file.
        return b.append('"').toString().replace("\\", "\\\\");
    }

    /** The arguments of an {@code Exec} value, each {@link #execArg quoted}, separated by spaces. */
    static String exec(List<String> argv) {
        return argv.stream().map(Quoting::execArg).collect(Collectors.joining(" "));
    }

    /**
     * A {@code .desktop} string value (a name, a comment): the general escapes, and no control character, so that a
     * value can never start a new line (a new key) in the file.
     */
    static String desktopValue(String value) {
        StringBuilder b = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        throw new IllegalArgumentException("a control character in a .desktop value");
                    }
                    b.append(c);
                }
            }
        }
        // A leading space would be stripped by readers.
        return b.length() > 0 && b.charAt(0) == ' ' ? "\\s" + b.substring(1) : b.toString();
    }
}
