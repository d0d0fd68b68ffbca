package dev.airlock.xdg;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code [Desktop Entry]} group of an application's {@code .desktop} file (freedesktop Desktop Entry
 * Specification 1.5), parsed fail-closed: the file may come from a domain, which controls it. Its size and its
 * {@code Exec} arguments are bounded, it must be UTF-8 without control characters, and anything the specification
 * calls malformed (an unquoted reserved character, an unknown escape or field code, a field code inside quotes, more
 * than one file code, a key given twice) refuses the whole entry. An entry of another type than {@code Application},
 * or a deleted one ({@code Hidden=true}), is refused too: no caller has a use for it.
 *
 * @param name      its {@code Name}, the general escapes undone, or empty
 * @param icon      its {@code Icon} (a themed name or a path), or empty
 * @param exec      its {@code Exec}
 * @param terminal  {@code Terminal=true}
 * @param noDisplay {@code NoDisplay=true}
 */
public record DesktopFile(String name, String icon, Exec exec, boolean terminal, boolean noDisplay) {
    /** The largest {@code .desktop} file read. */
    public static final int MAX_BYTES = 64 * 1024;
    /** The most arguments of one {@code Exec}. */
    private static final int MAX_ARGS = 256;
    /** Characters that must be quoted in {@code Exec} (the specification's reserved characters). */
    private static final String RESERVED = " \t\n\"'\\><~|&;$*?#()`";
    /** The field codes the specification knows, the deprecated ones included. */
    private static final String FIELD_CODES = "fFuUickdDnNvm";

    /** Parses {@code file}, the bytes of a {@code .desktop} file. */
    public static DesktopFile parse(byte[] file) throws MalformedEntryException {
        if (file.length > MAX_BYTES) {
            throw new MalformedEntryException("larger than " + MAX_BYTES + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(file)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedEntryException("not UTF-8");
        }
        Keys keys = new Keys();
        boolean inMain = false;
        boolean seenMain = false;
        for (String line : text.split("\n", -1)) {
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c < 0x20 && c != '\t' || c == 0x7f) {
                    throw new MalformedEntryException("a control character");
                }
            }
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            if (l.startsWith("[")) {
                if (!l.endsWith("]")) {
                    throw new MalformedEntryException("a malformed group header");
                }
                inMain = l.equals("[Desktop Entry]");
                if (inMain && seenMain) {
                    throw new MalformedEntryException("[Desktop Entry] is given twice");
                }
                seenMain |= inMain;
                continue;
            }
            int eq = l.indexOf('=');
            if (eq < 1) {
                throw new MalformedEntryException("a line that is no key=value");
            }
            if (inMain) {
                keys.put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
            }
        }
        if (!seenMain) {
            throw new MalformedEntryException("no [Desktop Entry] group");
        }
        if (!"Application".equals(keys.type)) {
            throw new MalformedEntryException("Type is " + (keys.type == null ? "missing" : keys.type)
                    + ", not Application");
        }
        if (Boolean.TRUE.equals(keys.hidden)) {
            throw new MalformedEntryException("the entry is hidden (Hidden=true)");
        }
        if (keys.exec == null) {
            throw new MalformedEntryException("no Exec");
        }
        return new DesktopFile(keys.name == null ? "" : keys.name, keys.icon == null ? "" : keys.icon,
                split(keys.exec), keys.terminal != null && keys.terminal, keys.noDisplay != null && keys.noDisplay);
    }

    /** The keys of the group that airlock reads, each at most once (the specification forbids a repeated key). */
    private static final class Keys {
        String type;
        String name;
        String icon;
        String exec;
        Boolean terminal;
        Boolean noDisplay;
        Boolean hidden;

        void put(String key, String value) throws MalformedEntryException {
            switch (key) {
                case "Type" -> type = once(type, key, value);
                case "Name" -> name = once(name, key, unescape(value));
                case "Icon" -> icon = once(icon, key, unescape(value));
                case "Exec" -> {
                    if (value.indexOf('\t') >= 0) {
                        // Only the escape \t may put a tab in an argument, where it is visibly meant.
                        throw new MalformedEntryException("a control character in Exec");
                    }
                    exec = once(exec, key, unescape(value));
                }
                case "Terminal" -> terminal = once(terminal, key, bool(key, value));
                case "NoDisplay" -> noDisplay = once(noDisplay, key, bool(key, value));
                case "Hidden" -> hidden = once(hidden, key, bool(key, value));
                default -> {
                    // Translations, categories, actions: nothing a caller reads.
                }
            }
        }

        private static <T> T once(T old, String key, T value) throws MalformedEntryException {
            if (old != null) {
                throw new MalformedEntryException(key + " is given twice");
            }
            return value;
        }
    }

    private static boolean bool(String key, String value) throws MalformedEntryException {
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new MalformedEntryException(key + " is neither true nor false");
        };
    }

    /** The general escapes; an unknown escape is an error. Exec's own quoting escapes are kept for {@link #split}. */
    private static String unescape(String value) throws MalformedEntryException {
        StringBuilder b = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (++i == value.length()) {
                throw new MalformedEntryException("a value ends in a lone backslash");
            }
            switch (value.charAt(i)) {
                case 's' -> b.append(' ');
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case '\\' -> b.append('\\');
                case '"', '`', '$' -> b.append('\\').append(value.charAt(i));
                default -> throw new MalformedEntryException("an unknown escape \\" + value.charAt(i));
            }
        }
        return b.toString();
    }

    /**
     * {@code Exec} as arguments: split at spaces, double quotes hold reserved characters and the escapes
     * {@code \" \` \$ \\}; a reserved character outside quotes is an error. Field codes are known ones, outside
     * quotes, at most one file code, {@code %F %U} an argument of their own, and never the program.
     */
    private static Exec split(String exec) throws MalformedEntryException {
        List<Exec.Arg> args = new ArrayList<>();
        List<Exec.Part> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        boolean inArg = false;
        int fileCodes = 0;
        for (int i = 0; i < exec.length(); i++) {
            char c = exec.charAt(i);
            if (c == ' ') {
                if (inArg) {
                    args.add(arg(parts, text));
                    inArg = false;
                }
                continue;
            }
            if (c == '"') {
                if (inArg) {
                    throw new MalformedEntryException("a quote inside an argument of Exec");
                }
                int end = i + 1;
                for (; end < exec.length() && exec.charAt(end) != '"'; end++) {
                    char q = exec.charAt(end);
                    if (q == '\\') {
                        if (end + 1 == exec.length() || "\"`$\\".indexOf(exec.charAt(end + 1)) < 0) {
                            throw new MalformedEntryException("a backslash in quotes of Exec escaping nothing");
                        }
                        text.append(exec.charAt(++end));
                    } else if (q == '`' || q == '$') {
                        throw new MalformedEntryException("an unescaped " + q + " in quotes of Exec");
                    } else if (q == '%') {
                        // The specification forbids field codes in quotes; a % there would mean one thing to us
                        // and maybe a file name to the desktop that launches it.
                        throw new MalformedEntryException("a field code or % inside quotes of Exec");
                    } else {
                        text.append(q);
                    }
                }
                if (end == exec.length()) {
                    throw new MalformedEntryException("an unterminated quote in Exec");
                }
                if (end + 1 < exec.length() && exec.charAt(end + 1) != ' ') {
                    throw new MalformedEntryException("a quoted argument of Exec followed by more text");
                }
                args.add(arg(parts, text));
                i = end;
                continue;
            }
            if (RESERVED.indexOf(c) >= 0) {
                throw new MalformedEntryException("the reserved character '" + c + "' unquoted in Exec");
            }
            if (c != '%') {
                text.append(c);
                inArg = true;
                continue;
            }
            if (i + 1 == exec.length()) {
                throw new MalformedEntryException("Exec ends in a lone %");
            }
            char code = exec.charAt(++i);
            if (code == '%') {
                text.append('%');
            } else if (FIELD_CODES.indexOf(code) >= 0) {
                Exec.FieldCode fc = new Exec.FieldCode(code);
                if (fc.namesFile() && ++fileCodes > 1) {
                    throw new MalformedEntryException("Exec names the file more than once");
                }
                boolean alone = !inArg && (i + 1 == exec.length() || exec.charAt(i + 1) == ' ');
                if ((code == 'F' || code == 'U') && !alone) {
                    throw new MalformedEntryException("%" + code + " must be an argument of its own in Exec");
                }
                if (args.isEmpty()) {
                    throw new MalformedEntryException("Exec's program is a field code");
                }
                flush(parts, text);
                parts.add(fc);
            } else {
                throw new MalformedEntryException("an unknown field code %" + code + " in Exec");
            }
            inArg = true;
        }
        if (inArg) {
            args.add(arg(parts, text));
        }
        if (args.isEmpty() || args.getFirst().parts().isEmpty()) {
            throw new MalformedEntryException("Exec names no program");
        }
        if (args.size() > MAX_ARGS) {
            throw new MalformedEntryException("more than " + MAX_ARGS + " arguments in Exec");
        }
        return new Exec(args);
    }

    private static void flush(List<Exec.Part> parts, StringBuilder text) {
        if (!text.isEmpty()) {
            parts.add(new Exec.Text(text.toString()));
            text.setLength(0);
        }
    }

    /** The argument collected so far; the collectors are emptied for the next one. */
    private static Exec.Arg arg(List<Exec.Part> parts, StringBuilder text) {
        flush(parts, text);
        Exec.Arg arg = new Exec.Arg(parts);
        parts.clear();
        return arg;
    }
}
