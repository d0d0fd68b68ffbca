package dev.airlock.policy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.TreeMap;

/**
 * Reads a policy folder: its {@code *.policy} files in C-locale order of their names, following
 * {@code !include}, {@code !include-dir}, {@code !include-service} and {@code !compat-4.0}. Policy files may
 * come from anyone who can write to the folder, so reading is bounded (file size, line length, files, rules,
 * include depth) and every problem becomes an error rather than a skipped line: the caller then denies every
 * call. An included file or folder must lie, once symbolic links are resolved, inside the policy folder (inside
 * the legacy folder for what {@code !compat-4.0} reads), so that a policy file cannot make the broker read, and
 * echo in its errors, a file elsewhere.
 *
 * <p>Files in the old per-service format ({@code !include-service}, the legacy folder) resolve their own
 * {@code !include} against the folder they belong to (the policy folder, the legacy folder), not against the
 * including file's folder: that is how Qubes reads them, and the {@code include/} files it ships depend on it.
 */
final class Loader {
    static final int MAX_FILE_BYTES = 1 << 20;
    static final int MAX_TOTAL_BYTES = 16 << 20;
    static final int MAX_LINE_CHARS = 4096;
    static final int MAX_FILES = 1024;
    static final int MAX_DIR_ENTRIES = 10_000;
    static final int MAX_RULES = 200_000;
    static final int MAX_INCLUDE_DEPTH = 16;
    static final int MAX_ERRORS = 500;

    private static final String SUFFIX = ".policy";

    /**
     * How a file is read: in the current format, or in the old per-service format for one service and
     * argument, its own includes resolved against {@code base} and confined to it.
     */
    private record Legacy(String service, String argument, Path base) {
    }

    /** The outcome of one load: the rules in order, every error, and the fingerprint of what was read. */
    record Result(List<Rule> rules, List<PolicyError> errors, Fingerprint fingerprint) {
    }

    private final Path root;
    private final Path legacyFolder;
    private final List<Rule> rules = new ArrayList<>();
    private final List<PolicyError> errors = new ArrayList<>();
    private final Fingerprint.Builder fingerprint = new Fingerprint.Builder();
    /** Real paths of the files being read, outermost first, to find include cycles. */
    private final Deque<Path> reading = new ArrayDeque<>();
    private int files;
    private long totalBytes;
    private boolean stopped;

    private Loader(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.legacyFolder = PolicyLocation.legacyDirectory(this.root);
    }

    static Result load(Path directory) {
        Loader loader = new Loader(directory);
        loader.fingerprint.add(loader.root);
        if (!Files.isDirectory(loader.root)) {
            loader.error(loader.root.toString(), 0, 0, Files.exists(loader.root)
                    ? "the policy folder is not a folder" : "the policy folder does not exist");
        } else {
            loader.readFolder(loader.root, 0, null, null);
        }
        return new Result(List.copyOf(loader.rules), List.copyOf(loader.errors), loader.fingerprint.build());
    }

    private String display(Path p) {
        Path n = p.toAbsolutePath().normalize();
        return n.startsWith(root) && !n.equals(root) ? root.relativize(n).toString() : n.toString();
    }

    private void error(String file, int line, int column, String message) {
        if (stopped) {
            return;
        }
        if (errors.size() == MAX_ERRORS) {
            errors.add(new PolicyError(file, line, column, "too many errors; stopped reading the policy"));
            stopped = true;
            return;
        }
        errors.add(new PolicyError(file, line, column, message));
    }

    /** Where an included file or folder was named, so that problems with it are reported there. */
    private record Origin(String file, int line, int column, String directive) {
    }

    /** Reports a problem with a whole file or folder: at the directive that named it, if any. */
    private void pathError(Origin origin, Path path, String message) {
        if (origin == null) {
            error(display(path), 0, 0, message);
        } else {
            error(origin.file(), origin.line(), origin.column(),
                    origin.directive() + " " + display(path) + ": " + message);
        }
    }

    /** Reads a folder's policy files; {@code confinedTo} as for {@link #readFile}. */
    private void readFolder(Path folder, int depth, Origin origin, Path confinedTo) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path entry : entries) {
                if (names.size() == MAX_DIR_ENTRIES) {
                    pathError(origin, folder, "more than " + MAX_DIR_ENTRIES + " entries");
                    return;
                }
                names.add(entry.getFileName().toString());
            }
        } catch (IOException e) {
            pathError(origin, folder, "cannot list: " + describe(e));
            return;
        }
        // Valid names are ASCII, where UTF-16 order is byte order, i.e. the C locale's order.
        names.sort(null);
        for (String name : names) {
            if (stopped) {
                return;
            }
            if (!name.endsWith(SUFFIX)) {
                continue;
            }
            Path file = folder.resolve(name);
            if (!Names.isPolicyFileName(name)) {
                error(display(file), 0, 0, "invalid policy file name (only 0-9 a-z _ . - are allowed); "
                        + "rename or remove the file");
                continue;
            }
            readFile(file, depth, origin, confinedTo, null);
        }
    }

    /**
     * Reads one file; {@code confinedTo} is the real path of the folder an included file must lie in
     * ({@code null} for the policy folder's own files), {@code legacy} says the file is in the old format.
     */
    private void readFile(Path file, int depth, Origin origin, Path confinedTo, Legacy legacy) {
        if (files == MAX_FILES) {
            pathError(origin, file, "more than " + MAX_FILES + " policy files");
            stopped = true;
            return;
        }
        files++;
        fingerprint.add(file);
        if (!Files.isRegularFile(file)) {
            pathError(origin, file, Files.exists(file) ? "not a regular file" : "no such file");
            return;
        }
        byte[] bytes;
        Path real;
        try {
            real = file.toRealPath();
            if (confinedTo != null && !real.startsWith(confinedTo)) {
                pathError(origin, file, "is outside " + display(confinedTo) + " (includes must stay inside it)");
                return;
            }
            if (reading.contains(real)) {
                pathError(origin, file, "include cycle: " + cycle(real));
                return;
            }
            // The path checked above, its last step not followed again: a link swapped in since is refused.
            try (InputStream in = Files.newInputStream(real, LinkOption.NOFOLLOW_LINKS)) {
                bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            }
        } catch (IOException e) {
            pathError(origin, file, "cannot read: " + describe(e));
            return;
        }
        if (bytes.length > MAX_FILE_BYTES) {
            pathError(origin, file, "larger than " + MAX_FILE_BYTES + " bytes");
            return;
        }
        totalBytes += bytes.length;
        if (totalBytes > MAX_TOTAL_BYTES) {
            pathError(origin, file, "the policy files together are larger than " + MAX_TOTAL_BYTES + " bytes");
            stopped = true;
            return;
        }
        reading.push(real);
        try {
            readLines(file, display(file), bytes, depth, legacy);
        } finally {
            reading.pop();
        }
    }

    private String cycle(Path again) {
        List<String> chain = new ArrayList<>();
        reading.descendingIterator().forEachRemaining(p -> chain.add(display(p)));
        chain.add(display(again));
        int first = chain.indexOf(display(again));
        return String.join(" -> ", chain.subList(first, chain.size()));
    }

    private void readLines(Path file, String name, byte[] bytes, int depth, Legacy legacy) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int start = 0;
        int lineNumber = 0;
        while (start < bytes.length && !stopped) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            lineNumber++;
            String text;
            try {
                text = utf8.decode(ByteBuffer.wrap(bytes, start, end - start)).toString();
            } catch (CharacterCodingException e) {
                error(name, lineNumber, 0, "not valid UTF-8");
                start = end + 1;
                continue;
            }
            start = end + 1;
            if (text.length() > MAX_LINE_CHARS) {
                error(name, lineNumber, MAX_LINE_CHARS + 1, "line longer than " + MAX_LINE_CHARS + " characters");
                continue;
            }
            LineParser.Line parsed = legacy == null ? LineParser.parse(text, name, lineNumber)
                    : LineParser.parseLegacy(text, legacy.service(), legacy.argument(), name, lineNumber);
            switch (parsed) {
                case LineParser.Line.Blank b -> {
                }
                case LineParser.Line.Ok ok -> addRule(ok.rule());
                case LineParser.Line.Bad bad -> error(name, lineNumber, bad.column(), bad.message());
                case LineParser.Line.Include inc when legacy != null -> includeLegacy(name, lineNumber, inc,
                        depth, legacy);
                case LineParser.Line.Include inc -> include(file, name, lineNumber, inc, depth);
                case LineParser.Line.IncludeService inc -> includeService(file, name, lineNumber, inc, depth);
                case LineParser.Line.Compat40 c -> compat40(name, lineNumber, c.column(), depth);
            }
        }
    }

    private void addRule(Rule rule) {
        if (rules.size() == MAX_RULES) {
            error(rule.file(), rule.line(), 0, "more than " + MAX_RULES + " rules");
            stopped = true;
            return;
        }
        rules.add(rule);
    }

    private void include(Path file, String name, int line, LineParser.Line.Include inc, int depth) {
        Origin origin = new Origin(name, line, inc.column(), inc.directory() ? "!include-dir" : "!include");
        Path target = file.toAbsolutePath().getParent().resolve(inc.path()).normalize();
        if (depth + 1 > MAX_INCLUDE_DEPTH) {
            pathError(origin, target, "includes nested deeper than " + MAX_INCLUDE_DEPTH);
            return;
        }
        Path confinedTo = realFolder(origin, root);
        if (confinedTo == null) {
            return;
        }
        if (!inc.directory()) {
            readFile(target, depth + 1, origin, confinedTo, null);
            return;
        }
        fingerprint.add(target);
        if (!Files.isDirectory(target)) {
            pathError(origin, target, Files.exists(target) ? "not a folder" : "no such folder");
            return;
        }
        try {
            if (!target.toRealPath().startsWith(confinedTo)) {
                pathError(origin, target, "is outside " + display(root) + " (includes must stay inside it)");
                return;
            }
        } catch (IOException e) {
            pathError(origin, target, "cannot resolve: " + describe(e));
            return;
        }
        readFolder(target, depth + 1, origin, confinedTo);
    }

    private void includeService(Path file, String name, int line, LineParser.Line.IncludeService inc, int depth) {
        Origin origin = new Origin(name, line, inc.column(), "!include-service");
        Path target = file.toAbsolutePath().getParent().resolve(inc.path()).normalize();
        if (depth + 1 > MAX_INCLUDE_DEPTH) {
            pathError(origin, target, "includes nested deeper than " + MAX_INCLUDE_DEPTH);
            return;
        }
        Path confinedTo = realFolder(origin, root);
        if (confinedTo != null) {
            readFile(target, depth + 1, origin, confinedTo, new Legacy(inc.service(), inc.argument(), root));
        }
    }

    /** {@code !include} (or {@code $include:}) inside a file in the old format: the same service and argument. */
    private void includeLegacy(String name, int line, LineParser.Line.Include inc, int depth, Legacy legacy) {
        Origin origin = new Origin(name, line, inc.column(), "!include");
        Path target = legacy.base().resolve(inc.path()).normalize();
        if (depth + 1 > MAX_INCLUDE_DEPTH) {
            pathError(origin, target, "includes nested deeper than " + MAX_INCLUDE_DEPTH);
            return;
        }
        Path confinedTo = realFolder(origin, legacy.base());
        if (confinedTo != null) {
            readFile(target, depth + 1, origin, confinedTo, legacy);
        }
    }

    /**
     * Reads the legacy per-service folder as Qubes R4.0 did: each file is named SERVICE or SERVICE+ARGUMENT and
     * holds rules in the old format; services in name order, for each its files with an argument in order, then
     * the one without. The deny that used to end every file is added after the files with an argument only, as
     * Qubes does, so that a file for a whole service does not hide the rules after the directive. A missing
     * folder is an empty one.
     */
    private void compat40(String name, int line, int column, int depth) {
        Origin origin = new Origin(name, line, column, "!compat-4.0");
        fingerprint.add(legacyFolder);
        if (!Files.exists(legacyFolder, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (depth + 1 > MAX_INCLUDE_DEPTH) {
            pathError(origin, legacyFolder, "includes nested deeper than " + MAX_INCLUDE_DEPTH);
            return;
        }
        if (!Files.isDirectory(legacyFolder)) {
            pathError(origin, legacyFolder, "not a folder");
            return;
        }
        Path confinedTo = realFolder(origin, legacyFolder);
        if (confinedTo == null) {
            return;
        }
        TreeMap<String, TreeMap<String, Path>> services = new TreeMap<>();
        int entries = 0;
        try (DirectoryStream<Path> list = Files.newDirectoryStream(legacyFolder)) {
            for (Path entry : list) {
                if (++entries > MAX_DIR_ENTRIES) {
                    pathError(origin, legacyFolder, "more than " + MAX_DIR_ENTRIES + " entries");
                    return;
                }
                String file = entry.getFileName().toString();
                if (!Names.isLegacyPolicyFileName(file) || !Files.isRegularFile(entry)) {
                    continue;
                }
                int plus = file.indexOf('+');
                String service = plus < 0 ? file : file.substring(0, plus);
                String argument = plus < 0 ? Rule.ANY : file.substring(plus);
                String problem = LineParser.serviceAndArgumentProblem(service, argument);
                if (problem != null) {
                    error(display(entry), 0, 0, "the name of a legacy policy file is SERVICE or SERVICE+ARGUMENT: "
                            + problem);
                    continue;
                }
                services.computeIfAbsent(service, s -> new TreeMap<>(Loader::argumentsThenAny))
                        .put(argument, entry);
            }
        } catch (IOException e) {
            pathError(origin, legacyFolder, "cannot list: " + describe(e));
            return;
        }
        services.forEach((service, files) -> files.forEach((argument, path) -> {
            if (stopped) {
                return;
            }
            String shown = display(path);
            readFile(path, depth + 1, origin, confinedTo, new Legacy(service, argument, legacyFolder));
            if (!argument.equals(Rule.ANY)) {
                addRule(new Rule(service, argument, new Token.AnyVm(), new Token.AnyVm(), new Action.Deny(null),
                        shown, 0));
                addRule(new Rule(service, argument, new Token.AnyVm(), new Token.AdminVm(),
                        new Action.Deny(null), shown, 0));
            }
        }));
    }

    private static int argumentsThenAny(String a, String b) {
        if (a.equals(b)) {
            return 0;
        }
        if (a.equals(Rule.ANY)) {
            return 1;
        }
        return b.equals(Rule.ANY) ? -1 : a.compareTo(b);
    }

    /** The real path of a folder includes must stay in, or null (with an error) if it cannot be resolved. */
    private Path realFolder(Origin origin, Path folder) {
        try {
            return folder.toRealPath();
        } catch (IOException e) {
            pathError(origin, folder, "cannot resolve: " + describe(e));
            return null;
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
