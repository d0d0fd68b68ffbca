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
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Reads a policy folder: its {@code *.policy} files in C-locale order of their names, following
 * {@code !include} and {@code !include-dir}. Policy files may come from anyone who can write to the folder, so
 * reading is bounded (file size, line length, files, rules, include depth) and every problem becomes an error
 * rather than a skipped line: the caller then denies every call.
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

    /** The outcome of one load: the rules in order, every error, and the fingerprint of what was read. */
    record Result(List<Rule> rules, List<PolicyError> errors, Fingerprint fingerprint) {
    }

    private final Path root;
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
    }

    static Result load(Path directory) {
        Loader loader = new Loader(directory);
        loader.fingerprint.add(loader.root);
        if (!Files.isDirectory(loader.root)) {
            loader.error(loader.root.toString(), 0, 0, Files.exists(loader.root)
                    ? "the policy folder is not a folder" : "the policy folder does not exist");
        } else {
            loader.readFolder(loader.root, 0, null);
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

    private void readFolder(Path folder, int depth, Origin origin) {
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
            readFile(file, depth, origin);
        }
    }

    private void readFile(Path file, int depth, Origin origin) {
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
            if (reading.contains(real)) {
                pathError(origin, file, "include cycle: " + cycle(real));
                return;
            }
            try (InputStream in = Files.newInputStream(file)) {
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
            readLines(file, display(file), bytes, depth);
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

    private void readLines(Path file, String name, byte[] bytes, int depth) {
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
            switch (LineParser.parse(text, name, lineNumber)) {
                case LineParser.Line.Blank b -> {
                }
                case LineParser.Line.Ok ok -> addRule(ok.rule());
                case LineParser.Line.Bad bad -> error(name, lineNumber, bad.column(), bad.message());
                case LineParser.Line.Include inc -> include(file, name, lineNumber, inc, depth);
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
        if (!inc.directory()) {
            readFile(target, depth + 1, origin);
            return;
        }
        fingerprint.add(target);
        if (!Files.isDirectory(target)) {
            pathError(origin, target, Files.exists(target) ? "not a folder" : "no such folder");
            return;
        }
        readFolder(target, depth + 1, origin);
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
