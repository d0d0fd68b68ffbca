package dev.airlock.openinvm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The part of a mailcap file (RFC 1524) that picks a handler: {@code type/subtype; command; flags}, with
 * {@code \} continuing a line and {@code #} starting a comment. Only entries a service can run on a named file are
 * kept: the command must name the file ({@code %s}), and entries that page their output ({@code copiousoutput}) or
 * carry a {@code test=} command are skipped. Entries that need a terminal ({@code needsterminal}) are kept and
 * marked: they run only in a terminal window, when the domain has a display.
 */
final class Mailcap {
    /** One usable entry; {@code needsTerminal} for {@code needsterminal}. */
    record Entry(String type, String command, boolean needsTerminal) {
        /** An entry that runs without a terminal. */
        Entry(String type, String command) {
            this(type, command, false);
        }

        boolean matches(String mimeType) {
            if (type.equals(mimeType)) {
                return true;
            }
            int slash = mimeType.indexOf('/');
            String major = slash < 0 ? mimeType : mimeType.substring(0, slash);
            return type.equals(major + "/*") || type.equals(major);
        }

        /** The shell command for {@code file}: {@code %s} is the file, single-quoted, {@code %t} the type. */
        String commandFor(String file, String mimeType) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < command.length(); i++) {
                char c = command.charAt(i);
                if (c == '%' && i + 1 < command.length()) {
                    char n = command.charAt(++i);
                    switch (n) {
                        case 's' -> b.append(quote(file));
                        case 't' -> b.append(quote(mimeType));
                        default -> b.append(n);
                    }
                } else {
                    b.append(c);
                }
            }
            return b.toString();
        }
    }

    private final List<Entry> entries;

    private Mailcap(List<Entry> entries) {
        this.entries = entries;
    }

    /** Parses the text of one mailcap file. */
    static Mailcap parse(String text) {
        List<Entry> entries = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String raw : text.split("\n", -1)) {
            if (raw.endsWith("\\")) {
                line.append(raw, 0, raw.length() - 1);
                continue;
            }
            line.append(raw);
            entry(line.toString()).ifPresent(entries::add);
            line.setLength(0);
        }
        return new Mailcap(List.copyOf(entries));
    }

    /** The first entry for {@code mimeType} that runs without a terminal, as RFC 1524 orders them. */
    Optional<Entry> find(String mimeType) {
        return findAll(mimeType).stream().filter(e -> !e.needsTerminal()).findFirst();
    }

    /** Every entry for {@code mimeType}, in the file's order, those needing a terminal included. */
    List<Entry> findAll(String mimeType) {
        String t = mimeType.toLowerCase(Locale.ROOT);
        return entries.stream().filter(e -> e.matches(t)).toList();
    }

    List<Entry> entries() {
        return entries;
    }

    private static Optional<Entry> entry(String line) {
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) {
            return Optional.empty();
        }
        List<String> fields = fields(l);
        if (fields.size() < 2) {
            return Optional.empty();
        }
        String type = fields.get(0).strip().toLowerCase(Locale.ROOT);
        String command = fields.get(1).strip();
        if (type.isEmpty() || !command.contains("%s")) {
            return Optional.empty();
        }
        boolean terminal = false;
        for (String flag : fields.subList(2, fields.size())) {
            String f = flag.strip().toLowerCase(Locale.ROOT);
            if (f.equals("copiousoutput") || f.startsWith("test=") || f.startsWith("test ")) {
                return Optional.empty();
            }
            terminal |= f.equals("needsterminal");
        }
        return Optional.of(new Entry(type, command, terminal));
    }

    /** Splits at {@code ;} that is not escaped by {@code \}; the escape stays for the shell only before {@code ;}. */
    private static List<String> fields(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length() && line.charAt(i + 1) == ';') {
                f.append(';');
                i++;
            } else if (c == ';') {
                fields.add(f.toString());
                f.setLength(0);
            } else {
                f.append(c);
            }
        }
        fields.add(f.toString());
        return fields;
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
