package dev.airlock.filecopy;

import dev.airlock.sandbox.ClassPreloader;
import dev.airlock.sandbox.Landlock;
import dev.airlock.sys.Errno;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Posix;
import dev.airlock.sys.Stat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The receiving end of {@code qubes.Filecopy} (the {@code qfile-unpacker} role): reads a stream that may be
 * hostile, writes only inside the destination folder, and answers with a {@link Reply}. Every rule of
 * spec/filecopy.md section 3 is enforced here; the first violation ends the session with its error code.
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
     */
    public record Options(boolean allowAllNames, long maxBytes, long maxFiles) {
        public Options {
            if (maxBytes < 0 || maxFiles < 0) {
                throw new IllegalArgumentException("limits must be 0 (unlimited) or positive");
            }
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
    private final IncomingTree tree;
    private final Options options;
    private byte[] lastName;
    private long bytes;
    private long headers;

    private Unpacker(ReadableByteChannel in, int rootFd, Options options) {
        this.reader = new StreamReader(in, BUFFER);
        this.tree = new IncomingTree(rootFd);
        this.options = options;
    }

    /**
     * Receives a stream into {@code destination} (created 0700 if missing) on a dedicated thread confined to it
     * with Landlock where the kernel offers it, writes the reply to {@code replyOut}, and returns it.
     */
    public static Reply receive(Path destination, ReadableByteChannel in, WritableByteChannel replyOut,
                                Options options) throws IOException {
        int rootFd = openDestination(destination);
        AtomicReference<Reply> reply = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // Landlock binds the calling thread for good: a fresh platform thread that ends with the job.
        Thread worker = Thread.ofPlatform().name("airlock-unpacker").unstarted(() -> {
            try {
                Landlock.confineCurrentThreadTo(rootFd);
                reply.set(receive(rootFd, in, replyOut, options));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        worker.start();
        boolean interrupted = false;
        // The worker uses rootFd until it ends: closing it earlier would let the number be reused for another
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
        Posix.closeQuietly(rootFd);
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

    private static int openDestination(Path destination) throws IOException {
        byte[] path = destination.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
        try {
            Posix.mkdirat(Posix.AT_FDCWD, path, 0700);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new IOException("the parent of " + destination + " does not exist");
            }
            if (e.errno() != Errno.EEXIST) {
                throw new IOException("cannot create " + destination + ": " + Errno.describe(e.errno()));
            }
        }
        try {
            return Posix.openat(Posix.AT_FDCWD, path, Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            throw new IOException("cannot open " + destination + ": " + Errno.describe(e.errno()));
        }
    }

    /**
     * Receives a stream into the open directory {@code rootFd} on the calling thread (no confinement of its own)
     * and writes the reply. I/O errors on the input or the destination become the reply's error code. A reply that
     * cannot be written (the sender has gone) is still returned.
     */
    static Reply receive(int rootFd, ReadableByteChannel in, WritableByteChannel replyOut, Options options) {
        Unpacker u = new Unpacker(in, rootFd, options);
        Reply reply = u.run();
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
        try (tree) {
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
        }
        try {
            tree.sync();
        } catch (ErrnoException e) {
            code = e.errno();
        }
        return new Reply(code, reader.crc(), reported != null ? reported : lastName);
    }

    /** Handles one entry; false after the end marker. */
    private boolean next() throws Refusal, IOException {
        FileHeader h = readHeader();
        if (h.isEnd()) {
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
        if (NameRules.checkName(name, options.allowAllNames()) != NameRules.OK) {
            throw new Refusal(Errno.EILSEQ);
        }
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
            case Stat.S_IFDIR -> directory(h, name, mode);
            case Stat.S_IFREG -> regularFile(h, name, mode);
            case Stat.S_IFLNK -> symlink(h, name);
            default -> throw new Refusal(Errno.EINVAL);
        }
        return true;
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

    private void directory(FileHeader h, byte[] name, int mode) throws Refusal, ErrnoException {
        if (h.filelen() != 0) {
            throw new Refusal(Errno.EINVAL);
        }
        if (tree.isOpenDirectory(name)) {
            tree.closeDirectoryEntry(name, mode, h);
        } else {
            tree.openDirectoryEntry(name);
        }
    }

    private void regularFile(FileHeader h, byte[] name, int mode) throws Refusal, IOException {
        long size = h.filelen();
        // A u64 above Long.MAX_VALUE reads as negative: no limit can admit it.
        if (size < 0 || options.maxBytes() > 0 && size > options.maxBytes() - bytes) {
            throw new Refusal(Errno.EDQUOT);
        }
        bytes += size;
        byte[] base = IncomingTree.baseName(name);
        try (IncomingTree.Parent parent = tree.parentOf(name)) {
            IncomingTree.requireAbsent(parent.fd(), base);
            try (IncomingTree.Incoming file = tree.create(parent.fd())) {
                try {
                    reader.copyBody(size, file::write);
                } catch (StreamTruncatedException e) {
                    throw new Refusal(FilecopyErrors.LEGAL_EOF);
                }
                file.publish(base, size, mode, h);
            }
        }
    }

    private void symlink(FileHeader h, byte[] name) throws Refusal, IOException {
        if (h.filelen() < 0 || h.filelen() > MAX_NAME) {
            throw new Refusal(Errno.ENAMETOOLONG);
        }
        byte[] target = readBytes((int) h.filelen(), FilecopyErrors.LEGAL_EOF);
        int verdict = NameRules.checkLinkTarget(name, target, options.allowAllNames());
        if (verdict != NameRules.OK) {
            throw new Refusal(verdict, target);
        }
        try (IncomingTree.Parent parent = tree.parentOf(name)) {
            tree.symlink(parent.fd(), IncomingTree.baseName(name), target);
        }
    }
}
