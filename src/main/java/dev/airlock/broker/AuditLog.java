package dev.airlock.broker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The audit log: one JSON object per line ({@code audit.jsonl}), appended and flushed per decision so a crash
 * loses nothing already decided. Every decision goes here: time, source, target, service, argument, rule and
 * outcome.
 */
public final class AuditLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longest line {@link #read} accepts: the log is ours, but a damaged line must not exhaust memory. */
    private static final int MAX_LINE = 64 * 1024;

    /** One decision. Fields that do not apply are null. */
    public record Entry(Instant time, String source, String target, String service, String argument, String rule,
                        String outcome, String detail) {
    }

    private final Path file;

    public AuditLog(Path file) {
        this.file = file;
    }

    public synchronized void append(Entry e) throws IOException {
        byte[] line = (toJson(e) + "\n").getBytes(StandardCharsets.UTF_8);
        if (!Files.exists(file)) {
            // Owner-only: airlock's folder lets domain users pass through it, and the log names every call.
            try {
                Files.createFile(file,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException raced) {
                // Another writer created it first; it did so with the same permissions.
            }
        }
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE)) {
            out.write(line);
        }
    }

    /** {@code e} as one line of the log, without the line end; control characters are JSON escapes. */
    public static String toJson(Entry e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("time", e.time().toString());
        putIfSet(o, "source", e.source());
        putIfSet(o, "target", e.target());
        putIfSet(o, "service", e.service());
        putIfSet(o, "argument", e.argument());
        putIfSet(o, "rule", e.rule());
        putIfSet(o, "outcome", e.outcome());
        putIfSet(o, "detail", e.detail());
        return o.toString();
    }

    private static void putIfSet(ObjectNode o, String key, String value) {
        if (value != null) {
            o.put(key, value);
        }
    }

    /** The entries that match {@code filter}, oldest first; lines that are not entries are skipped. */
    public List<Entry> read(Predicate<Entry> filter) throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.length() > MAX_LINE || line.isBlank()) {
                    continue;
                }
                Entry e = parse(line);
                if (e != null && filter.test(e)) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    private static Entry parse(String line) {
        try {
            var n = JSON.readTree(line);
            if (n == null || !n.hasNonNull("time")) {
                return null;
            }
            return new Entry(Instant.parse(n.get("time").asText()), text(n, "source"), text(n, "target"),
                    text(n, "service"), text(n, "argument"), text(n, "rule"), text(n, "outcome"),
                    text(n, "detail"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode n, String key) {
        return n.hasNonNull(key) ? n.get(key).asText() : null;
    }
}
