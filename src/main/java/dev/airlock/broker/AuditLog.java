package dev.airlock.broker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The audit log: one JSON object per line ({@code audit.jsonl}), appended per decision so a crash loses nothing
 * already decided. Every decision goes here: time, source, target, service, argument, rule and outcome; a record
 * that stands for several alike decisions says how many ({@code count}). The file is rotated by size
 * ({@code audit.jsonl.1} the newest of the older ones), and only so many rotated files are kept, so that a domain
 * that makes the broker write cannot fill the host's disk.
 */
public final class AuditLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Writes every character past ASCII as a JSON escape: plain JSON escapes only C0 controls, and a C1 control or
     * a bidi override in a detail a domain influenced would reach the terminal of {@code airlock log --json}.
     */
    private static final ObjectWriter LINE = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build()
            .writer();
    /** Longest line the readers accept: the log is ours, but a damaged line must not exhaust memory. */
    private static final int MAX_LINE = 64 * 1024;
    /** Size at which the log is rotated, unless told otherwise. */
    public static final long DEFAULT_MAX_BYTES = 16L << 20;
    /** Rotated files kept, unless told otherwise: with the current one, at most 5 x 16 MiB. */
    public static final int DEFAULT_ROTATED = 4;
    /** Rotated files a reader looks for, whatever the writer kept: the reader does not know its settings. */
    private static final int MAX_ROTATED_READ = 100;
    /** What a reader reads from the end at a time. */
    private static final int TAIL_BLOCK = 64 * 1024;

    /**
     * One decision, or {@code count} alike ones folded into one record. Fields that do not apply are null.
     */
    public record Entry(Instant time, String source, String target, String service, String argument, String rule,
                        String outcome, String detail, int count) {
        public Entry {
            if (count < 1) {
                throw new IllegalArgumentException("an entry stands for at least one decision");
            }
        }

        /** One decision. */
        public Entry(Instant time, String source, String target, String service, String argument, String rule,
                     String outcome, String detail) {
            this(time, source, target, service, argument, rule, outcome, detail, 1);
        }
    }

    /**
     * The last entries a reader asked for, oldest first, and how many bytes of the log it read to find them.
     */
    public record Tail(List<Entry> entries, long bytesRead) {
    }

    private final Path file;
    private final long maxBytes;
    private final int rotated;
    /** The open current file and its size; guarded by {@code this}. */
    private FileChannel out;
    private long size;

    /** The log at {@code file}, rotated at {@link #DEFAULT_MAX_BYTES} keeping {@link #DEFAULT_ROTATED} files. */
    public AuditLog(Path file) {
        this(file, DEFAULT_MAX_BYTES, DEFAULT_ROTATED);
    }

    /**
     * @param maxBytes the size past which the next record goes to a new file
     * @param rotated  how many older files are kept ({@code audit.jsonl.1} to {@code .N}); older ones are deleted
     */
    public AuditLog(Path file, long maxBytes, int rotated) {
        if (maxBytes < 1 || rotated < 1 || rotated > MAX_ROTATED_READ) {
            throw new IllegalArgumentException("the audit log needs a size above 0 and 1 to " + MAX_ROTATED_READ
                    + " rotated files");
        }
        this.file = file;
        this.maxBytes = maxBytes;
        this.rotated = rotated;
    }

    public synchronized void append(Entry e) throws IOException {
        byte[] line = (toJson(e) + "\n").getBytes(StandardCharsets.UTF_8);
        if (out == null || !out.isOpen()) {
            open();
        }
        if (size > 0 && size + line.length > maxBytes) {
            rotate();
            open();
        }
        ByteBuffer b = ByteBuffer.wrap(line);
        try {
            while (b.hasRemaining()) {
                out.write(b);
            }
        } catch (IOException failed) {
            // A full disk may have taken part of the record: cut it off, or the next record would be glued to it
            // and both would be lost to every reader.
            try {
                out.truncate(size);
            } catch (IOException cannotCut) {
                failed.addSuppressed(cannotCut);
            }
            // The next record opens the file again rather than write to a channel in an unknown state.
            closeFile();
            throw failed;
        }
        size += line.length;
    }

    private void open() throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            // Owner-only: airlock's folder lets domain users pass through it, and the log names every call.
            try {
                Files.createFile(file,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException raced) {
                // Another writer created it first; it did so with the same permissions.
            }
        }
        out = FileChannel.open(file, StandardOpenOption.APPEND, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        size = out.size();
    }

    /** The current file becomes {@code .1}, each older one moves up, and the oldest past the cap goes. */
    private void rotate() throws IOException {
        closeFile();
        Files.deleteIfExists(rotatedFile(rotated));
        for (int i = rotated - 1; i >= 1; i--) {
            if (Files.exists(rotatedFile(i), LinkOption.NOFOLLOW_LINKS)) {
                Files.move(rotatedFile(i), rotatedFile(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(file, rotatedFile(1), StandardCopyOption.REPLACE_EXISTING);
    }

    private void closeFile() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                // What was written is written; the file is opened again for the next record.
            }
            out = null;
        }
    }

    /** Closes the current file; a later {@link #append} opens it again. */
    public synchronized void close() {
        closeFile();
    }

    /** The rotated file {@code n} (1 the newest). */
    Path rotatedFile(int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }

    /** The files of the log, newest first: the current one and the rotated ones that exist. */
    private List<Path> files() {
        List<Path> all = new ArrayList<>();
        all.add(file);
        for (int i = 1; i <= MAX_ROTATED_READ && Files.exists(rotatedFile(i), LinkOption.NOFOLLOW_LINKS); i++) {
            all.add(rotatedFile(i));
        }
        return all;
    }

    /** {@code e} as one line of the log, without the line end; controls and all but ASCII are JSON escapes. */
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
        if (e.count() > 1) {
            o.put("count", e.count());
        }
        try {
            return LINE.writeValueAsString(o);
        } catch (JsonProcessingException x) {
            throw new IllegalStateException("a tree of strings and numbers is always JSON", x);
        }
    }

    private static void putIfSet(ObjectNode o, String key, String value) {
        if (value != null) {
            o.put(key, value);
        }
    }

    /**
     * The entries that match {@code filter}, oldest first, from the rotated files and the current one; lines that
     * are not entries are skipped.
     */
    public List<Entry> read(Predicate<Entry> filter) throws IOException {
        List<Entry> found = new ArrayList<>();
        for (Path f : files().reversed()) {
            if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.length() > MAX_LINE || line.isBlank()) {
                        continue;
                    }
                    Entry e = parse(line);
                    if (e != null && filter.test(e)) {
                        found.add(e);
                    }
                }
            }
        }
        return found;
    }

    /**
     * The last {@code n} entries that match {@code filter}, oldest first. The files are read backwards from their
     * end, a block at a time, and only as far as needed: the work depends on where the matches are, not on the
     * size of the log.
     */
    public Tail last(int n, Predicate<Entry> filter) throws IOException {
        if (n < 0) {
            throw new IllegalArgumentException("cannot show a negative number of entries");
        }
        List<Entry> newestFirst = new ArrayList<>();
        long read = 0;
        for (Path f : files()) {
            if (newestFirst.size() >= n) {
                break;
            }
            try (FileChannel in = FileChannel.open(f, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                read += backwards(in, n, filter, newestFirst);
            } catch (NoSuchFileException gone) {
                // Rotated away while we looked: its entries are in the next file now, or deleted.
            }
        }
        return new Tail(List.copyOf(newestFirst.reversed()), read);
    }

    /** Adds the matching entries of {@code in}, newest first, until {@code into} has {@code n}; the bytes read. */
    private static long backwards(FileChannel in, int n, Predicate<Entry> filter, List<Entry> into)
            throws IOException {
        long pos = in.size();
        long read = 0;
        ByteBuffer block = ByteBuffer.allocate(TAIL_BLOCK);
        // The bytes after the last line end seen, still without their start: a line that spans blocks.
        ByteArrayOutputStream partial = new ByteArrayOutputStream();
        boolean tooLong = false;
        while (pos > 0 && into.size() < n) {
            int len = (int) Math.min(TAIL_BLOCK, pos);
            pos -= len;
            block.clear().limit(len);
            while (block.hasRemaining()) {
                if (in.read(block, pos + block.position()) < 0) {
                    throw new IOException("the audit log shrank while it was read");
                }
            }
            read += len;
            byte[] bytes = block.array();
            int end = len;
            for (int i = len - 1; i >= 0 && into.size() < n; i--) {
                if (bytes[i] != '\n') {
                    continue;
                }
                tooLong = take(bytes, i + 1, end, partial, tooLong, filter, into);
                end = i;
            }
            if (into.size() < n) {
                tooLong = prepend(partial, bytes, 0, end, tooLong);
            }
        }
        if (pos == 0 && into.size() < n) {
            take(new byte[0], 0, 0, partial, tooLong, filter, into);
        }
        return read;
    }

    /** Ends the line made of {@code bytes[from, to)} and {@code partial}: parsed and kept if it matches. */
    private static boolean take(byte[] bytes, int from, int to, ByteArrayOutputStream partial, boolean tooLong,
                                Predicate<Entry> filter, List<Entry> into) {
        boolean skip = prepend(partial, bytes, from, to, tooLong);
        if (!skip && partial.size() > 0) {
            Entry e = parse(partial.toString(StandardCharsets.UTF_8));
            if (e != null && filter.test(e)) {
                into.add(e);
            }
        }
        partial.reset();
        return false;
    }

    /** Puts {@code bytes[from, to)} before what {@code partial} holds; whether the line is past the longest. */
    private static boolean prepend(ByteArrayOutputStream partial, byte[] bytes, int from, int to, boolean tooLong) {
        if (tooLong || partial.size() + (to - from) > MAX_LINE) {
            partial.reset();
            return true;
        }
        byte[] after = partial.toByteArray();
        partial.reset();
        partial.write(bytes, from, to - from);
        partial.writeBytes(after);
        return false;
    }

    private static Entry parse(String line) {
        if (line.isBlank()) {
            return null;
        }
        try {
            var n = JSON.readTree(line);
            if (n == null || !n.hasNonNull("time")) {
                return null;
            }
            int count = n.path("count").asInt(1);
            return new Entry(Instant.parse(n.get("time").asText()), text(n, "source"), text(n, "target"),
                    text(n, "service"), text(n, "argument"), text(n, "rule"), text(n, "outcome"),
                    text(n, "detail"), Math.max(count, 1));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode n, String key) {
        return n.hasNonNull(key) ? n.get(key).asText() : null;
    }
}
