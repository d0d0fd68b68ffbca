package dev.airlock.menu;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An application a domain offers, read from its {@code .desktop} file: what a menu entry needs (its name, icon and
 * command), parsed fail-closed. The file may come from the domain's own home, which the domain controls: its size
 * is bounded, it must be UTF-8 without control characters, and anything the Desktop Entry Specification calls
 * malformed refuses the whole entry. Its command only ever runs inside the domain.
 *
 * @param id       the desktop-file id (the file name without {@code .desktop})
 * @param name     its {@code Name}
 * @param icon     its {@code Icon} (a themed name or a path), or empty
 * @param argv     its {@code Exec} split into arguments, the field codes dropped
 * @param listed   false for {@code NoDisplay=true} or {@code Terminal=true}: not offered by {@code menu sync}
 */
public record AppEntry(String id, String name, String icon, List<String> argv, boolean listed) {
    /** The largest {@code .desktop} file read. */
    public static final int MAX_BYTES = 64 * 1024;
    /** The longest {@code Name} taken. */
    private static final int MAX_NAME = 200;
    /** The most arguments of one {@code Exec}. */
    private static final int MAX_ARGS = 256;
    /** The ids airlock accepts: they become file names. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,127}");
    /** Characters that must be quoted in {@code Exec}. */
    private static final String RESERVED = " \t\n\"'\\><~|&;$*?#()`";

    public AppEntry {
        argv = List.copyOf(argv);
    }

    /** An entry that cannot be used; the message says why. */
    public static final class MalformedEntryException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedEntryException(String message) {
            super(message, null, false, false);
        }
    }

    /** Whether {@code id} can be an application's id here. */
    public static boolean validId(String id) {
        return ID.matcher(id).matches();
    }

    /** The command name an application is also known by: its program's file name. */
    public String command() {
        String program = argv.getFirst();
        return program.substring(program.lastIndexOf('/') + 1);
    }

    /**
     * Parses the file {@code id}.desktop. A hidden entry ({@code Hidden=true}: deleted, in the specification's
     * words) or one of another type than {@code Application} is refused.
     */
    public static AppEntry parse(String id, byte[] file) throws MalformedEntryException {
        if (!validId(id)) {
            throw new MalformedEntryException("\"" + id + "\" is not an id airlock accepts");
        }
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
        String type = null;
        String name = null;
        String exec = null;
        String icon = "";
        boolean listed = true;
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
            if (!inMain) {
                continue;
            }
            String key = l.substring(0, eq).strip();
            String value = l.substring(eq + 1).strip();
            switch (key) {
                case "Type" -> type = once(type, key, value);
                case "Name" -> name = once(name, key, unescape(value));
                case "Exec" -> exec = once(exec, key, unescape(value));
                case "Icon" -> icon = unescape(value);
                case "Hidden" -> {
                    if (bool(key, value)) {
                        throw new MalformedEntryException("the entry is hidden (Hidden=true)");
                    }
                }
                case "NoDisplay", "Terminal" -> {
                    if (bool(key, value)) {
                        listed = false;
                    }
                }
                default -> {
                    // Translations, categories, actions: nothing the entry needs.
                }
            }
        }
        if (!seenMain) {
            throw new MalformedEntryException("no [Desktop Entry] group");
        }
        if (!"Application".equals(type)) {
            throw new MalformedEntryException("Type is " + (type == null ? "missing" : type) + ", not Application");
        }
        if (name == null || name.isBlank() || name.length() > MAX_NAME) {
            throw new MalformedEntryException(name == null || name.isBlank() ? "no Name" : "Name is too long");
        }
        if (name.codePoints().anyMatch(c -> Character.getType(c) == Character.FORMAT)) {
            // Bidi overrides and invisible characters could make "[work] ..." read as another domain's entry.
            throw new MalformedEntryException("Name holds an invisible or direction-changing character");
        }
        if (exec == null) {
            throw new MalformedEntryException("no Exec");
        }
        return new AppEntry(id, name, icon, split(exec), listed);
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
     * {@code \" \` \$ \\}; a reserved character outside quotes is an error. Field codes are dropped (the menu entry
     * starts the application without files), {@code %%} is a {@code %}.
     */
    private static List<String> split(String exec) throws MalformedEntryException {
        List<String> args = new ArrayList<>();
        StringBuilder arg = new StringBuilder();
        boolean inArg = false;
        boolean hadCode = false;
        for (int i = 0; i < exec.length(); i++) {
            char c = exec.charAt(i);
            if (c == ' ') {
                if (inArg && (!arg.isEmpty() || !hadCode)) {
                    args.add(arg.toString());
                }
                arg.setLength(0);
                inArg = false;
                hadCode = false;
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
                        arg.append(exec.charAt(++end));
                    } else if (q == '`' || q == '$') {
                        throw new MalformedEntryException("an unescaped " + q + " in quotes of Exec");
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
            inArg = true;
            if (c != '%') {
                arg.append(c);
                continue;
            }
            if (i + 1 == exec.length()) {
                throw new MalformedEntryException("Exec ends in a lone %");
            }
            char code = exec.charAt(++i);
            if (code == '%') {
                arg.append('%');
            } else if ("fFuUickdDnNvm".indexOf(code) >= 0) {
                hadCode = true;
            } else {
                throw new MalformedEntryException("an unknown field code %" + code + " in Exec");
            }
        }
        if (inArg && (!arg.isEmpty() || !hadCode)) {
            args.add(arg.toString());
        }
        if (args.isEmpty() || args.getFirst().isEmpty()) {
            throw new MalformedEntryException("Exec names no program");
        }
        if (args.size() > MAX_ARGS) {
            throw new MalformedEntryException("more than " + MAX_ARGS + " arguments in Exec");
        }
        return args;
    }
}
