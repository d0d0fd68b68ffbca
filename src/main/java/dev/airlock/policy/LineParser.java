package dev.airlock.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses one line of a policy file. The first problem found ends the line with an error that names the column
 * and the field; nothing is guessed or repaired, because a misread rule could allow what its author denied.
 */
final class LineParser {

    /** What one line holds. */
    sealed interface Line {
        /** A blank line or a comment. */
        record Blank() implements Line {
        }

        record Ok(Rule rule) implements Line {
        }

        /** {@code !include PATH} or {@code !include-dir PATH}. */
        record Include(String path, boolean directory, int column) implements Line {
        }

        /**
         * {@code !include-service SERVICE ARGUMENT PATH}: PATH holds rules in the old per-service format
         * (see {@link #parseLegacy}) that apply to SERVICE and ARGUMENT ({@code *} for any).
         */
        record IncludeService(String service, String argument, String path, int column) implements Line {
        }

        /** {@code !compat-4.0}: the legacy per-service policy folder is read here. */
        record Compat40(int column) implements Line {
        }

        /** A line that is not valid; {@code column} is 1-based. */
        record Bad(int column, String message) implements Line {
        }
    }

    private static final Line BLANK = new Line.Blank();
    /** SERVICE ARGUMENT SOURCE TARGET ACTION. */
    private static final int RULE_FIELDS = 5;
    /** SOURCE TARGET ACTION, in the old per-service format. */
    private static final int LEGACY_RULE_FIELDS = 3;

    private LineParser() {
    }

    private record Field(String text, int column) {
    }

    /** Thrown inside the parser only, to end the line at its first error. */
    private static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        final int column;

        Invalid(int column, String message) {
            super(message, null, false, false);
            this.column = column;
        }
    }

    static Line parse(String text, String file, int lineNumber) {
        int start = skipBlanks(text, 0);
        if (start == text.length() || text.charAt(start) == '#') {
            return BLANK;
        }
        try {
            List<Field> fields = split(text);
            if (fields.getFirst().text().startsWith("!")) {
                return directive(fields);
            }
            return new Line.Ok(rule(fields, file, lineNumber));
        } catch (Invalid e) {
            return new Line.Bad(e.column, e.getMessage());
        }
    }

    private static int skipBlanks(String text, int from) {
        int i = from;
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    /** Fields are separated by spaces and tabs; any other control or non-ASCII character is an error. */
    private static List<Field> split(String text) throws Invalid {
        List<Field> fields = new ArrayList<>();
        int i = skipBlanks(text, 0);
        while (i < text.length()) {
            int begin = i;
            while (i < text.length() && text.charAt(i) != ' ' && text.charAt(i) != '\t') {
                char c = text.charAt(i);
                if (c == '\r') {
                    throw new Invalid(i + 1, "carriage return in a rule (the file has DOS line endings)");
                }
                if (c < 0x20 || c >= 0x7f) {
                    throw new Invalid(i + 1, String.format(
                            "character U+%04X is not allowed outside comments", (int) c));
                }
                i++;
            }
            fields.add(new Field(text.substring(begin, i), begin + 1));
            i = skipBlanks(text, i);
        }
        return fields;
    }

    private static Line directive(List<Field> fields) throws Invalid {
        Field name = fields.getFirst();
        switch (name.text()) {
            case "!include-service" -> {
                return includeService(fields);
            }
            case "!compat-4.0" -> {
                if (fields.size() != 1) {
                    throw new Invalid(fields.get(1).column(), "!compat-4.0 takes no parameters");
                }
                return new Line.Compat40(name.column());
            }
            case "!include", "!include-dir" -> {
            }
            default -> throw new Invalid(name.column(), "unknown directive \"" + name.text()
                    + "\" (expected !include, !include-dir, !include-service or !compat-4.0)");
        }
        boolean directory = name.text().equals("!include-dir");
        if (fields.size() != 2) {
            throw new Invalid(name.column(), name.text() + " takes exactly one path, found "
                    + (fields.size() - 1));
        }
        Field path = fields.get(1);
        return new Line.Include(path.text(), directory, path.column());
    }

    private static Line includeService(List<Field> fields) throws Invalid {
        if (fields.size() != 4) {
            throw new Invalid(fields.getFirst().column(), "!include-service takes SERVICE ARGUMENT PATH, found "
                    + (fields.size() - 1) + (fields.size() == 2 ? " field" : " fields"));
        }
        checkServiceAndArgument(fields.get(1), fields.get(2));
        Field path = fields.get(3);
        return new Line.IncludeService(fields.get(1).text(), fields.get(2).text(), path.text(), path.column());
    }

    private static void checkServiceAndArgument(Field service, Field argument) throws Invalid {
        checkService(service);
        checkArgument(argument);
        if (service.text().equals(Rule.ANY) && !argument.text().equals(Rule.ANY)) {
            throw new Invalid(argument.column(), "ARGUMENT must be * when SERVICE is *");
        }
    }

    /**
     * Checks a service and argument that come from elsewhere than a rule's columns (a legacy file's name).
     *
     * @return null if both are valid, otherwise what is wrong
     */
    static String serviceAndArgumentProblem(String service, String argument) {
        try {
            checkServiceAndArgument(new Field(service, 1), new Field(argument, 1));
            return null;
        } catch (Invalid e) {
            return e.getMessage();
        }
    }

    /**
     * Parses one line of a file in the old per-service format, read through {@code !include-service} or
     * {@code !compat-4.0}: {@code SOURCE TARGET ACTION[,PARAM=VALUE...]} for the given service and argument
     * (already checked), or {@code !include PATH} (also written {@code $include:PATH}). As Qubes does, every
     * {@code $} is read as {@code @} and every comma as a blank; neither changes a column, so errors point at
     * the text as written.
     */
    static Line parseLegacy(String text, String service, String argument, String file, int lineNumber) {
        int start = skipBlanks(text, 0);
        if (start == text.length() || text.charAt(start) == '#') {
            return BLANK;
        }
        String line = text.replace("$include:", "!include ").replace('$', '@').replace(',', ' ');
        try {
            List<Field> fields = split(line);
            Field first = fields.getFirst();
            if (first.text().startsWith("!")) {
                if (!first.text().equals("!include")) {
                    throw new Invalid(first.column(), "unknown directive \"" + first.text()
                            + "\" (a file in the old per-service format may only hold !include)");
                }
                if (fields.size() != 2) {
                    throw new Invalid(first.column(), "!include takes exactly one path, found "
                            + (fields.size() - 1));
                }
                return new Line.Include(fields.get(1).text(), false, fields.get(1).column());
            }
            if (fields.size() < LEGACY_RULE_FIELDS) {
                throw new Invalid(fields.getLast().column(), "expected SOURCE TARGET ACTION[,PARAM=VALUE ...] "
                        + "(a file in the old per-service format), found " + fields.size()
                        + (fields.size() == 1 ? " field" : " fields"));
            }
            return new Line.Ok(rule(service, argument, fields, file, lineNumber));
        } catch (Invalid e) {
            return new Line.Bad(e.column, e.getMessage());
        }
    }

    private static Rule rule(List<Field> fields, String file, int lineNumber) throws Invalid {
        if (fields.size() < RULE_FIELDS) {
            throw new Invalid(fields.getLast().column(), "expected SERVICE ARGUMENT SOURCE TARGET ACTION "
                    + "[PARAM=VALUE ...], found " + fields.size() + (fields.size() == 1 ? " field" : " fields"));
        }
        checkServiceAndArgument(fields.get(0), fields.get(1));
        return rule(fields.get(0).text(), fields.get(1).text(), fields.subList(2, fields.size()), file, lineNumber);
    }

    /** {@code fields} are SOURCE TARGET ACTION [PARAM=VALUE ...]; service and argument are valid. */
    private static Rule rule(String service, String argument, List<Field> fields, String file, int lineNumber)
            throws Invalid {
        Field sourceField = fields.get(0);
        Field targetField = fields.get(1);
        Token source = token(sourceField, "SOURCE");
        if (!(source instanceof Token.Source src)) {
            throw new Invalid(sourceField.column(), "SOURCE: " + source.text() + " can only be used as a target");
        }
        // Every token may stand in the TARGET column, so this cast cannot fail.
        Token.Target target = (Token.Target) token(targetField, "TARGET");
        Action action = action(fields.get(2), fields.subList(3, fields.size()));
        if (target instanceof Token.Default && action instanceof Action.Allow allow && allow.target() == null) {
            throw new Invalid(fields.get(2).column(), "ACTION: allow for target @default needs target=");
        }
        return new Rule(service, argument, src, target, action, file, lineNumber);
    }

    private static void checkService(Field f) throws Invalid {
        String s = f.text();
        if (s.equals(Rule.ANY)) {
            return;
        }
        if (s.isEmpty()) {
            throw new Invalid(f.column(), "SERVICE: empty");
        }
        checkNameChars(f, 0, "SERVICE");
        if (s.length() > Names.MAX_SERVICE_BYTES) {
            throw new Invalid(f.column(), "SERVICE: longer than " + Names.MAX_SERVICE_BYTES + " bytes");
        }
    }

    private static void checkArgument(Field f) throws Invalid {
        String s = f.text();
        if (s.equals(Rule.ANY)) {
            return;
        }
        if (!s.startsWith("+")) {
            throw new Invalid(f.column(), "ARGUMENT: expected * or +ARGUMENT, found \"" + s + "\"");
        }
        checkNameChars(f, 1, "ARGUMENT");
        if (s.length() - 1 > Names.MAX_ARGUMENT_BYTES) {
            throw new Invalid(f.column(), "ARGUMENT: longer than " + Names.MAX_ARGUMENT_BYTES + " bytes");
        }
    }

    private static void checkNameChars(Field f, int from, String fieldName) throws Invalid {
        String s = f.text();
        for (int i = from; i < s.length(); i++) {
            if (!Names.isServiceChar(s.charAt(i))) {
                String hint = s.charAt(i) == '+' && fieldName.equals("SERVICE")
                        ? " (write the argument in the ARGUMENT column)" : "";
                throw new Invalid(f.column() + i, fieldName + ": character '" + s.charAt(i)
                        + "' is not allowed (only A-Z a-z 0-9 . _ -)" + hint);
            }
        }
    }

    private static Token token(Field f, String fieldName) throws Invalid {
        String s = f.text();
        try {
            return Token.parse(s);
        } catch (IllegalArgumentException e) {
            throw new Invalid(f.column(), fieldName + ": " + e.getMessage());
        }
    }

    private static Action action(Field f, List<Field> params) throws Invalid {
        Params p = new Params();
        switch (f.text()) {
            case "deny" -> {
                for (Field param : params) {
                    p.read(param, "notify");
                }
                return new Action.Deny(p.notify);
            }
            case "allow" -> {
                for (Field param : params) {
                    p.read(param, "target", "user", "notify", "autostart");
                }
                return new Action.Allow(p.target, p.user, p.notify, p.autostart);
            }
            case "ask" -> {
                for (Field param : params) {
                    p.read(param, "target", "default_target", "user", "notify", "autostart");
                }
                return new Action.Ask(p.target, p.defaultTarget, p.user, p.notify, p.autostart);
            }
            default -> throw new Invalid(f.column(), "ACTION: expected allow, deny or ask, found \""
                    + f.text() + "\"");
        }
    }

    /** Collects the PARAM=VALUE fields of one action, rejecting unknown and repeated ones. */
    private static final class Params {
        Token.Redirect target;
        Token.Redirect defaultTarget;
        String user;
        Boolean notify;
        Boolean autostart;
        private final List<String> seen = new ArrayList<>();

        void read(Field f, String... allowed) throws Invalid {
            String s = f.text();
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new Invalid(f.column(), "expected PARAM=VALUE, found \"" + s + "\"");
            }
            String key = s.substring(0, eq);
            String value = s.substring(eq + 1);
            if (!List.of(allowed).contains(key)) {
                throw new Invalid(f.column(), "unknown parameter \"" + key + "\" (allowed here: "
                        + String.join(", ", allowed) + ")");
            }
            if (seen.contains(key)) {
                throw new Invalid(f.column(), "parameter \"" + key + "\" is repeated");
            }
            seen.add(key);
            int valueColumn = f.column() + eq + 1;
            switch (key) {
                case "target" -> target = redirect(value, key, valueColumn);
                case "default_target" -> defaultTarget = redirect(value, key, valueColumn);
                case "user" -> {
                    if (!Names.isUser(value)) {
                        throw new Invalid(valueColumn, "user: invalid user name \"" + value + "\"");
                    }
                    user = value;
                }
                case "notify" -> notify = yesNo(value, key, valueColumn);
                case "autostart" -> autostart = yesNo(value, key, valueColumn);
                default -> throw new IllegalStateException(key);
            }
        }

        private static Boolean yesNo(String value, String key, int column) throws Invalid {
            return switch (value) {
                case "yes" -> Boolean.TRUE;
                case "no" -> Boolean.FALSE;
                default -> throw new Invalid(column, key + ": expected yes or no, found \"" + value + "\"");
            };
        }

        private static Token.Redirect redirect(String value, String key, int column) throws Invalid {
            Token t;
            try {
                t = Token.parse(value);
            } catch (IllegalArgumentException e) {
                throw new Invalid(column, key + ": " + e.getMessage());
            }
            if (t instanceof Token.Redirect r) {
                return r;
            }
            throw new Invalid(column, key + ": expected a domain name, @adminvm, @dispvm or @dispvm:NAME, found \""
                    + value + "\"");
        }
    }
}
