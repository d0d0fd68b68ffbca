package dev.airlock.openinvm;

import java.util.ArrayList;
import java.util.List;

/**
 * The part of a {@code .desktop} file (freedesktop Desktop Entry Specification 1.5) that starts an application on a
 * file: the {@code Exec} line of its {@code [Desktop Entry]} group, split into arguments by the specification's
 * quoting rules (never by a shell), and whether it needs a terminal. Parsed fail-closed: anything the specification
 * calls malformed (an unquoted reserved character, an unknown field code, a field code inside quotes, more than one
 * file code, no file code at all) is an error, and the entry is not used.
 *
 * @param exec     the {@code Exec} arguments with their field codes still in them, the general escapes undone
 * @param terminal {@code Terminal=true}
 */
record DesktopEntry(List<String> exec, boolean terminal) {
    /** The largest {@code .desktop} file read. */
    static final int MAX_BYTES = 64 * 1024;
    /** The most arguments one {@code Exec} line may have. */
    private static final int MAX_ARGS = 256;
    /** Characters that must be quoted in {@code Exec} (the specification's reserved characters). */
    private static final String RESERVED = " \t\n\"'\\><~|&;$*?#()`";
    /** Marks a field code in {@link #exec}; a value cannot contain it, since control characters are refused. */
    private static final char CODE = '\u0001';

    /** An entry that cannot be used safely; the message says why. */
    static final class MalformedEntryException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedEntryException(String message) {
            super(message, null, false, false);
        }
    }

    DesktopEntry {
        exec = List.copyOf(exec);
    }

    /**
     * Reads the {@code [Desktop Entry]} group of {@code text}: {@code Type} must be {@code Application}, an entry with
     * {@code Hidden=true} is not used, and {@code Exec} must name the file exactly once ({@code %f %F %u %U}).
     */
    static DesktopEntry parse(String text) throws MalformedEntryException {
        if (text.length() > MAX_BYTES) {
            throw new MalformedEntryException("larger than " + MAX_BYTES + " bytes");
        }
        String exec = null;
        String type = null;
        boolean terminal = false;
        boolean inMain = false;
        boolean seenMain = false;
        for (String raw : text.split("\n", -1)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                if (!line.endsWith("]")) {
                    throw new MalformedEntryException("malformed group header " + line);
                }
                inMain = line.equals("[Desktop Entry]");
                if (inMain && seenMain) {
                    throw new MalformedEntryException("[Desktop Entry] is given twice");
                }
                seenMain |= inMain;
                continue;
            }
            if (!inMain) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 1) {
                throw new MalformedEntryException("a line that is no key=value: " + line);
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            switch (key) {
                case "Exec" -> exec = once(exec, key, value);
                case "Type" -> type = once(type, key, value);
                case "Terminal" -> terminal = bool(key, value);
                case "Hidden" -> {
                    if (bool(key, value)) {
                        throw new MalformedEntryException("the entry is hidden (Hidden=true)");
                    }
                }
                default -> {
                    // Names, icons, translations: nothing that starts a program.
                }
            }
        }
        if (!seenMain) {
            throw new MalformedEntryException("no [Desktop Entry] group");
        }
        if (!"Application".equals(type)) {
            throw new MalformedEntryException("Type is " + (type == null ? "missing" : type) + ", not Application");
        }
        if (exec == null || exec.isEmpty()) {
            throw new MalformedEntryException("no Exec line");
        }
        return new DesktopEntry(split(unescape(exec)), terminal);
    }

    /**
     * The command line for {@code file}: {@code %f %F %u %U} become the file (a local path, which the specification
     * allows for URLs too), {@code %%} a {@code %}, and {@code %i %c %k} and the deprecated codes are dropped.
     */
    List<String> argvFor(String file) {
        List<String> argv = new ArrayList<>(exec.size());
        for (String arg : exec) {
            if (arg.indexOf(CODE) < 0) {
                argv.add(arg);
                continue;
            }
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < arg.length(); i++) {
                char c = arg.charAt(i);
                if (c != CODE) {
                    b.append(c);
                    continue;
                }
                char code = arg.charAt(++i);
                switch (code) {
                    case 'f', 'F', 'u', 'U' -> b.append(file);
                    case '%' -> b.append('%');
                    default -> {
                        // Dropped codes: nothing.
                    }
                }
            }
            // An argument that was only dropped codes ("%i") disappears rather than become an empty argument.
            if (!b.isEmpty()) {
                argv.add(b.toString());
            }
        }
        return argv;
    }

    private static String once(String old, String key, String value) throws MalformedEntryException {
        if (old != null) {
            throw new MalformedEntryException(key + " is given twice");
        }
        return value;
    }

    private static boolean bool(String key, String value) throws MalformedEntryException {
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new MalformedEntryException(key + "=" + value + " is neither true nor false");
        };
    }

    /** The general escapes of a string value: {@code \s \n \t \r \\}; any other escape or control byte is refused. */
    private static String unescape(String value) throws MalformedEntryException {
        StringBuilder b = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new MalformedEntryException("a control character in Exec");
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (++i == value.length()) {
                throw new MalformedEntryException("Exec ends in a lone backslash");
            }
            switch (value.charAt(i)) {
                case 's' -> b.append(' ');
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case '\\' -> b.append('\\');
                // Left for the Exec quoting rules below, which give it its meaning inside quotes.
                case '"', '`', '$' -> b.append('\\').append(value.charAt(i));
                default -> throw new MalformedEntryException("unknown escape \\" + value.charAt(i) + " in Exec");
            }
        }
        return b.toString();
    }

    /**
     * Splits {@code Exec} into arguments: separated by spaces, an argument in double quotes may hold reserved
     * characters and {@code \" \` \$ \\}; outside quotes a reserved character is an error. Field codes are marked
     * with {@link #CODE} and checked: known, outside quotes, at most one file code, {@code %F %U} alone.
     */
    private static List<String> split(String exec) throws MalformedEntryException {
        List<String> args = new ArrayList<>();
        StringBuilder arg = new StringBuilder();
        boolean inArg = false;
        int fileCodes = 0;
        for (int i = 0; i < exec.length(); i++) {
            char c = exec.charAt(i);
            if (c == ' ') {
                if (inArg) {
                    args.add(arg.toString());
                    arg.setLength(0);
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
                            throw new MalformedEntryException("a backslash inside quotes of Exec that escapes "
                                    + "nothing it may");
                        }
                        arg.append(exec.charAt(++end));
                    } else if (q == '`' || q == '$') {
                        throw new MalformedEntryException("an unescaped " + q + " inside quotes of Exec");
                    } else if (q == '%') {
                        throw new MalformedEntryException("a field code or % inside quotes of Exec");
                    } else {
                        arg.append(q);
                    }
                }
                if (end == exec.length()) {
                    throw new MalformedEntryException("an unterminated quote in Exec");
                }
                if (end + 1 < exec.length() && exec.charAt(end + 1) != ' ') {
                    throw new MalformedEntryException("a quoted argument of Exec followed by more text");
                }
                args.add(arg.toString());
                arg.setLength(0);
                i = end;
                continue;
            }
            if (RESERVED.indexOf(c) >= 0) {
                throw new MalformedEntryException("the reserved character '" + c + "' unquoted in Exec");
            }
            if (c == '%') {
                if (i + 1 == exec.length()) {
                    throw new MalformedEntryException("Exec ends in a lone %");
                }
                char code = exec.charAt(++i);
                switch (code) {
                    case 'f', 'u' -> fileCodes++;
                    case 'F', 'U' -> {
                        fileCodes++;
                        boolean alone = !inArg && (i + 1 == exec.length() || exec.charAt(i + 1) == ' ');
                        if (!alone) {
                            throw new MalformedEntryException("%" + code + " must be an argument of its own");
                        }
                    }
                    case '%', 'i', 'c', 'k', 'd', 'D', 'n', 'N', 'v', 'm' -> {
                    }
                    default -> throw new MalformedEntryException("unknown field code %" + code + " in Exec");
                }
                arg.append(CODE).append(code);
                inArg = true;
                continue;
            }
            arg.append(c);
            inArg = true;
        }
        if (inArg) {
            args.add(arg.toString());
        }
        if (args.isEmpty()) {
            throw new MalformedEntryException("Exec names no program");
        }
        if (args.size() > MAX_ARGS) {
            throw new MalformedEntryException("more than " + MAX_ARGS + " arguments in Exec");
        }
        if (args.getFirst().indexOf(CODE) >= 0) {
            throw new MalformedEntryException("Exec's program is a field code");
        }
        if (fileCodes != 1) {
            throw new MalformedEntryException(fileCodes == 0 ? "Exec takes no file (%f, %F, %u or %U)"
                    : "Exec names the file more than once");
        }
        return args;
    }
}
