package dev.airlock.openinvm;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Set;

import dev.airlock.sys.Errno;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Posix;
import dev.airlock.sys.Stat;

/**
 * The calling side of {@code qubes.OpenInVM} ({@code qvm-open-in-vm}, {@code qvm-open-in-dvm}): sends the name field
 * and the file, then takes the reply. A non-empty reply replaces the file only when it arrived whole, within the
 * limit, and the service ended with exit code 0; in every other case the original is left as it was.
 */
public final class OpenClient {
    /** Default bound on a reply: 1 GiB. */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;

    /**
     * One call to the service: writes {@code request} to it (then ends its input) and everything it answers to
     * {@code reply}; returns its exit code. An exception from {@code reply} must end the call and be rethrown; an
     * {@link OpenFailedException} (a refused call, say) reaches the caller of {@link #open} unchanged.
     */
    @FunctionalInterface
    public interface Transport {
        int exchange(InputStream request, OutputStream reply) throws IOException;
    }

    /** How a call ended well. */
    public sealed interface Outcome {
        /** The service sent nothing back: the file was not changed there. */
        record Unchanged() implements Outcome {
        }

        /** The file was replaced by the service's {@code bytes}-long reply. */
        record Replaced(long bytes) implements Outcome {
        }

        /** View-only: whatever came back ({@code ignoredBytes}) was thrown away. */
        record ViewedOnly(long ignoredBytes) implements Outcome {
        }

        /**
         * The edit ({@code bytes} long) came back but the original was left as it is, for {@code why} (it changed
         * meanwhile, or its owner could not be kept): the edit is in {@code copy}, beside it.
         */
        record KeptBoth(long bytes, Path copy, String why) implements Outcome {
        }
    }

    /** The call failed; the original file is untouched. */
    public static final class OpenFailedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        /** A failure with {@code message} (saying what happened to the file) and a non-zero {@code exitCode}. */
        public OpenFailedException(String message, int exitCode, Throwable cause) {
            super(message, cause);
            this.exitCode = exitCode;
        }

        /** The exit code the command should end with (never 0). */
        public int exitCode() {
            return exitCode;
        }
    }

    private OpenClient() {
    }

    /**
     * Opens {@code file} through {@code transport}.
     *
     * <p>A symlink given as {@code file} is resolved first (as {@code qvm-open-in-vm} does), so that an edit replaces
     * what the link points to and the link stays; the resolved file is then opened with {@code O_NOFOLLOW} and
     * {@code O_NONBLOCK}, and must be a regular file on that descriptor (a FIFO or device swapped in after the check
     * neither blocks nor is read). The edited file replaces the original atomically (a temporary file in the same
     * folder, synced, renamed over it) with the original's mode, and its owner and group when they differ from ours
     * and we may set them (root editing another user's file). If the original changed while it was open elsewhere
     * (another file now has its name, or its content is no longer what was sent), it is not clobbered: the edit is
     * kept beside it ({@link Outcome.KeptBoth}).
     *
     * @param maxReplyBytes the largest reply accepted (at least 1); a longer one ends the call
     */
    public static Outcome open(Path file, boolean viewOnly, long maxReplyBytes, Transport transport)
            throws IOException {
        if (maxReplyBytes < 1) {
            throw new IllegalArgumentException("the reply limit must be at least 1 byte");
        }
        Path real;
        try {
            real = file.toRealPath();
        } catch (NoSuchFileException e) {
            throw new OpenFailedException("no such file: " + file, 1, e);
        }
        try (Source source = Source.open(real, file)) {
            byte[] field = NameField.encode(real.getFileName().toString().getBytes(StandardCharsets.UTF_8),
                    viewOnly);
            ReplySink sink = viewOnly ? ReplySink.discarding(maxReplyBytes) : ReplySink.besides(real, maxReplyBytes);
            MessageDigest sent = sha256();
            int code;
            try (sink; InputStream content = new DigestInputStream(source.stream(), sent);
                 InputStream request = new SequenceInputStream(new ByteArrayInputStream(field), content)) {
                try {
                    code = transport.exchange(request, sink);
                } catch (OpenFailedException e) {
                    throw e;
                } catch (IOException e) {
                    if (sink.overLimit()) {
                        throw new OpenFailedException("the reply is larger than the limit of " + maxReplyBytes
                                + " bytes; the call was ended and " + file + " is unchanged", 1, null);
                    }
                    throw new OpenFailedException("the call failed (" + e.getMessage() + "); " + file
                            + " is unchanged", 1, e);
                }
                if (code != 0) {
                    throw new OpenFailedException("the service failed (exit code " + code + "); " + file
                            + " is unchanged", code, null);
                }
                if (viewOnly) {
                    return new Outcome.ViewedOnly(sink.count());
                }
                if (sink.count() == 0) {
                    return new Outcome.Unchanged();
                }
                String changed = source.changedSince(sent.digest());
                if (changed == null) {
                    String kept = sink.replace(real, source.mode(), source.uid(), source.gid());
                    if (kept == null) {
                        return new Outcome.Replaced(sink.count());
                    }
                    changed = kept;
                }
                Path copy = sink.keepBeside(real);
                return new Outcome.KeptBoth(sink.count(), copy, changed);
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * The original, open on a descriptor: what is sent, and what it was, so that a later change can be told. The
     * stream reads through {@code /proc/self/fd}, which reopens the very file of the descriptor, never the path.
     */
    private record Source(int fd, Path real, Object fileKey, Set<PosixFilePermission> mode, int uid, int gid,
                          InputStream stream) implements AutoCloseable {

        static Source open(Path real, Path asGiven) throws IOException {
            int fd;
            try {
                fd = Posix.openat(Posix.AT_FDCWD, real.toString().getBytes(StandardCharsets.UTF_8),
                        Posix.O_RDONLY | Posix.O_NOFOLLOW | Posix.O_NONBLOCK | Posix.O_CLOEXEC | Posix.O_NOCTTY, 0);
            } catch (ErrnoException e) {
                throw new OpenFailedException(e.errno() == Errno.ELOOP ? asGiven + " is not a regular file"
                        : "cannot open " + asGiven + ": " + e.getMessage(), 1, e);
            }
            boolean kept = false;
            try {
                Stat st = Posix.fstat(fd);
                if (!st.isRegularFile()) {
                    throw new OpenFailedException(asGiven + " is not a regular file", 1, null);
                }
                Path handle = Path.of("/proc/self/fd/" + fd);
                Object key = Files.readAttributes(handle, BasicFileAttributes.class).fileKey();
                Set<PosixFilePermission> mode = Files.getPosixFilePermissions(handle);
                Source s = new Source(fd, real, key, mode, st.uid(), st.gid(), Files.newInputStream(handle));
                kept = true;
                return s;
            } finally {
                if (!kept) {
                    Posix.closeQuietly(fd);
                }
            }
        }

        /**
         * Why the file at {@code real} is no longer what was sent ({@code sentHash}), or {@code null} when it is the
         * same file with the same content.
         */
        String changedSince(byte[] sentHash) throws IOException {
            Object now;
            try {
                now = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            } catch (NoSuchFileException e) {
                return real + " was removed meanwhile";
            }
            if (fileKey == null || !fileKey.equals(now)) {
                return real + " was replaced by another file meanwhile";
            }
            MessageDigest current = sha256();
            try (InputStream in = new DigestInputStream(Files.newInputStream(real, LinkOption.NOFOLLOW_LINKS),
                    current)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            return Arrays.equals(current.digest(), sentHash) ? null : real + " was changed meanwhile";
        }

        @Override
        public void close() throws IOException {
            try {
                stream.close();
            } finally {
                Posix.closeQuietly(fd);
            }
        }
    }
}
