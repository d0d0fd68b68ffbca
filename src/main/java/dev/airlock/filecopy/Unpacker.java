package dev.airlock.filecopy;

import dev.airlock.sandbox.ClassPreloader;
import dev.airlock.sandbox.Landlock;
import dev.airlock.sys.Errno;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Fd;
import dev.airlock.sys.Stat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The receiving end of {@code qubes.Filecopy} (the {@code qfile-unpacker} role): reads a stream that may be hostile,
 * writes only inside the destination folder, and answers with a {@link Reply}. Every rule of the receiver
 * ({@link NameRules} and the limits below) is enforced here; the first violation ends the session with its error code.
 */
public final class Unpacker {
    /** Longest name or link target, in bytes, including the name's NUL. */
    static final int MAX_NAME = 16383;
    private static final int BUFFER = 1 << 20;
    private static final long NSEC_PER_SEC = 1_000_000_000L;

    /**
     * What the receiver accepts.
     *
     * @param allowAllNames lift the character check on names (never the path-form checks)
     * @param maxBytes      most bytes of file content in one session, 0 = unlimited
     * @param maxFiles      most headers (entries) in one session, 0 = unlimited
     * @param conflicts     what to do with an entry whose name is taken (the receiver's choice, never the sender's)
     * @param extensions    accept airlock's {@link Preamble} (a conflict report, a destination folder); off, the
     *                      receiver is exactly Qubes' and refuses it like any {@code ..} name
     * @param symlinks      accept symlinks (under the link rules); off, a symlink is refused with EPERM, as the
     *                      host's receiver does by default (regular files and folders only)
     */
    public record Options(boolean allowAllNames, long maxBytes, long maxFiles, ConflictMode conflicts,
                          boolean extensions, boolean symlinks) {
        public Options {
            if (maxBytes < 0 || maxFiles < 0) {
                throw new IllegalArgumentException("limits must be 0 (unlimited) or positive");
            }
            Objects.requireNonNull(conflicts, "conflicts");
        }

        /** A receiver that accepts symlinks under the link rules, as Qubes' in a domain does. */
        public Options(boolean allowAllNames, long maxBytes, long maxFiles, ConflictMode conflicts,
                       boolean extensions) {
            this(allowAllNames, maxBytes, maxFiles, conflicts, extensions, true);
        }

        /** Qubes' receiver: conflicts fail, no extensions. */
        public Options(boolean allowAllNames, long maxBytes, long maxFiles) {
            this(allowAllNames, maxBytes, maxFiles, ConflictMode.FAIL, false);
        }

        public static Options defaults() {
            return new Options(false, 0, 0);
        }
    }

    static {
        // The confined thread cannot open class files: load what it runs now.
        ClassPreloader.load(Unpacker.class, "dev.airlock.filecopy", "dev.airlock.sys", "dev.airlock.sandbox");
    }

    private final StreamReader reader;
    private final Destinations destinations;
    private final Options options;
    private final ConflictReport.Collector conflicts = new ConflictReport.Collector();
    private final ConflictPlacement placement = new ConflictPlacement(conflicts);
    /** The destination's descriptor once open; the session writes nowhere before. */
    private Fd root;
    private IncomingTree tree;
    /** True on the confined worker thread: a destination opened there confines the thread to it at once. */
    private boolean onWorker;
    private boolean reportWanted;
    private byte[] lastName;
    private long bytes;
    private long headers;

    private Unpacker(ReadableByteChannel in, Destinations destinations, Options options) {
        this.reader = new StreamReader(in, BUFFER);
        this.destinations = destinations;
        this.options = options;
    }

    /**
     * Receives a stream into {@code destination} (created 0700 if missing) on a dedicated thread confined to it
     * with Landlock where the kernel offers it, writes the reply to {@code replyOut}, and returns it.
     */
    public static Reply receive(Path destination, ReadableByteChannel in, WritableByteChannel replyOut,
                                Options options) throws IOException {
        return receive(Destinations.fixed(destination), in, replyOut, options);
    }

    /**
     * {@link #receive(Path, ReadableByteChannel, WritableByteChannel, Options)} into the folder that
     * {@code destinations} opens. Without {@link Options#extensions()} that is its default folder, opened before
     * anything is read; with them, the folder a {@link Preamble} asks for (or the default), opened after the
     * preamble and before any entry is written, and the thread is confined to it then.
     */
    public static Reply receive(Destinations destinations, ReadableByteChannel in, WritableByteChannel replyOut,
                                Options options) throws IOException {
        Unpacker u = new Unpacker(in, destinations, options);
        if (!options.extensions()) {
            try {
                u.openRoot(null);
            } catch (Refusal r) {
                throw new IOException("cannot open the destination: " + Errno.describe(r.code));
            }
        }
        AtomicReference<Reply> reply = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // Landlock binds the calling thread for good: a fresh platform thread that ends with the job.
        Thread worker = Thread.ofPlatform().name("airlock-unpacker").unstarted(() -> {
            try {
                u.onWorker = true;
                if (u.root != null) {
                    Landlock.confineCurrentThreadTo(u.root);
                }
                reply.set(u.answer(replyOut));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        worker.start();
        boolean interrupted = false;
        // The worker uses root until it ends: closing it earlier would let the number be reused for another
        // directory under the worker's feet. An interrupt stops the input instead, and the worker winds down.
        while (true) {
            try {
                worker.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
                try {
                    in.close();
                } catch (IOException ignored) {
                    // Closing is all that is wanted; the worker sees the end of its input either way.
                }
            }
        }
        if (u.root != null) {
            u.root.close();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure.get() instanceof IOException e) {
            throw e;
        } else if (failure.get() instanceof RuntimeException e) {
            throw e;
        } else if (failure.get() instanceof Error e) {
            throw e;
        }
        return reply.get();
    }

    /**
     * Opens the destination for {@code request} and, on the worker thread, confines the thread to it. Only then
     * does the session write anything.
     */
    private void openRoot(String request) throws Refusal, IOException {
        root = destinations.open(request, options.allowAllNames());
        tree = new IncomingTree(root);
        if (onWorker) {
            Landlock.confineCurrentThreadTo(root);
        }
    }

    /**
     * Runs the session and writes the reply (with the conflict report when the sender asked for one). I/O errors
     * on the input or the destination become the reply's error code. A reply that cannot be written (the sender
     * has gone) is still returned.
     */
    private Reply answer(WritableByteChannel replyOut) {
        Reply reply = run();
        ByteBuffer out = ByteBuffer.wrap(reply.encode());
        try {
            while (out.hasRemaining()) {
                replyOut.write(out);
            }
        } catch (IOException e) {
            // Nobody is left to read it; the caller still learns the outcome from the return value.
        }
        return reply;
    }

    private Reply run() {
        int code = 0;
        byte[] reported = null;
        try {
            while (next()) {
                // loop until the end marker
            }
        } catch (Refusal r) {
            code = r.code;
            reported = r.lastName;
        } catch (ErrnoException e) {
            code = e.errno();
        } catch (IOException e) {
            code = Errno.EIO;
        } finally {
            if (tree != null) {
                tree.close();
            }
        }
        if (tree != null) {
            try {
                tree.sync();
            } catch (ErrnoException e) {
                code = e.errno();
            }
        }
        return new Reply(code, reader.crc(), reported != null ? reported : lastName,
                reportWanted ? conflicts.report() : null);
    }

    /** Handles one entry; false after the end marker. */
    private boolean next() throws Refusal, IOException {
        FileHeader h = readHeader();
        if (h.isEnd()) {
            if (tree == null) {
                openRoot(null);
            }
            return false;
        }
        // Until this entry's name is read there is no name to report: the previous entry arrived intact.
        lastName = null;
        if (h.namelen() > MAX_NAME) {
            throw new Refusal(Errno.ENAMETOOLONG);
        }
        // Qubes answers a stream cut inside a name as one cut inside a body (LEGAL_EOF), with no name.
        byte[] raw = readBytes((int) h.namelen(), FilecopyErrors.LEGAL_EOF);
        if (raw[raw.length - 1] != 0) {
            // Every byte read is part of the unterminated name: report them all.
            lastName = raw;
            throw new Refusal(Errno.EINVAL);
        }
        byte[] name = Arrays.copyOf(raw, raw.length - 1);
        lastName = name;
        if (tree == null) {
            if (options.extensions() && Preamble.isPreamble(h, name)) {
                preamble(h);
                return true;
            }
            openRoot(null);
        }
        Name entry = Name.check(name, options.allowAllNames());
        headers++;
        if (options.maxFiles() > 0 && headers > options.maxFiles()) {
            throw new Refusal(Errno.EDQUOT);
        }
        if (h.atimeNsec() >= NSEC_PER_SEC || h.mtimeNsec() >= NSEC_PER_SEC) {
            throw new Refusal(Errno.EINVAL);
        }
        // Never create setuid/setgid files that the sender controls (a deliberate difference from Qubes).
        int mode = h.mode() & 07777 & ~06000;
        switch (h.mode() & Stat.S_IFMT) {
            case Stat.S_IFDIR -> directory(h, entry, mode);
            case Stat.S_IFREG -> regularFile(h, entry, mode);
            case Stat.S_IFLNK -> symlink(h, entry);
            default -> throw new Refusal(Errno.EINVAL);
        }
        return true;
    }

    /** airlock's pseudo-entry: what the sender reads, and where the files go. */
    private void preamble(FileHeader h) throws Refusal, IOException {
        if (h.filelen() < 0 || h.filelen() > Preamble.MAX_BODY) {
            throw new Refusal(Errno.EINVAL);
        }
        Preamble p = Preamble.parse(readBytes((int) h.filelen(), FilecopyErrors.LEGAL_EOF));
        if (p == null) {
            throw new Refusal(Errno.EOPNOTSUPP);
        }
        reportWanted = p.report();
        try {
            openRoot(p.to());
        } catch (Refusal r) {
            throw p.to() == null ? r : new Refusal(r.code, p.to().getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * The receiver's choice for this session. Skipping is only for a sender that reads the report: any other
     * (Qubes' qvm-move) would take a skipped file for delivered and delete its only copy.
     */
    private ConflictMode conflictMode() {
        return options.conflicts() == ConflictMode.SKIP && !reportWanted ? ConflictMode.FAIL : options.conflicts();
    }

    private FileHeader readHeader() throws Refusal, IOException {
        try {
            return reader.readHeader();
        } catch (StreamTruncatedException e) {
            throw new Refusal(Errno.EREMOTEIO);
        }
    }

    /** Reads {@code length} bytes; the input ending first is refusal {@code code}. */
    private byte[] readBytes(int length, int code) throws Refusal, IOException {
        try {
            return reader.readBytes(length);
        } catch (StreamTruncatedException e) {
            throw new Refusal(code);
        }
    }

    private void directory(FileHeader h, Name name, int mode) throws Refusal, ErrnoException {
        if (h.filelen() != 0) {
            throw new Refusal(Errno.EINVAL);
        }
        if (tree.isOpenDirectory(name)) {
            tree.closeDirectoryEntry(name, mode, h);
        } else {
            tree.openDirectoryEntry(name);
        }
    }

    private void regularFile(FileHeader h, Name name, int permissions) throws Refusal, IOException {
        long size = h.filelen();
        // A u64 above Long.MAX_VALUE reads as negative: no limit can admit it.
        if (size < 0 || options.maxBytes() > 0 && size > options.maxBytes() - bytes) {
            throw new Refusal(Errno.EDQUOT);
        }
        bytes += size;
        byte[] base = name.base();
        ConflictMode mode = conflictMode();
        try (IncomingTree.Parent parent = tree.parentOf(name)) {
            if (mode != ConflictMode.RENAME && ConflictPlacement.taken(parent.fd(), base, mode)) {
                body(size, chunk -> { });
                conflicts.skipped(name.bytes());
                return;
            }
            try (IncomingTree.Incoming file = tree.create(parent.fd())) {
                body(size, file::write);
                // Each candidate is linked exclusively: a name taken meanwhile, even by a file created an instant
                // ago, makes the link fail, and what is there stays.
                placement.place(name, candidate -> file.publish(candidate, size, permissions, h), mode);
            }
        }
    }

    private void body(long size, StreamReader.BodySink sink) throws Refusal, IOException {
        try {
            reader.copyBody(size, sink);
        } catch (StreamTruncatedException e) {
            throw new Refusal(FilecopyErrors.LEGAL_EOF);
        }
    }

    private void symlink(FileHeader h, Name name) throws Refusal, IOException {
        if (!options.symlinks()) {
            throw new Refusal(Errno.EPERM);
        }
        if (h.filelen() < 0 || h.filelen() > MAX_NAME) {
            throw new Refusal(Errno.ENAMETOOLONG);
        }
        LinkTarget target = LinkTarget.check(name, readBytes((int) h.filelen(), FilecopyErrors.LEGAL_EOF),
                options.allowAllNames());
        try (IncomingTree.Parent parent = tree.parentOf(name)) {
            placement.place(name, candidate -> tree.symlink(parent.fd(), candidate, target), conflictMode());
        }
    }
}
