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
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

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
     * @param maxReplyBytes the largest reply accepted (at least 1); a longer one ends the call
     */
    public static Outcome open(Path file, boolean viewOnly, long maxReplyBytes, Transport transport)
            throws IOException {
        if (maxReplyBytes < 1) {
            throw new IllegalArgumentException("the reply limit must be at least 1 byte");
        }
        // The real file, so that an edit through a symlink replaces what the link points to, not the link.
        Path real;
        try {
            real = file.toRealPath();
        } catch (NoSuchFileException e) {
            throw new OpenFailedException("no such file: " + file, 1, e);
        }
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new OpenFailedException(file + " is not a regular file", 1, null);
        }
        byte[] field = NameField.encode(real.getFileName().toString().getBytes(StandardCharsets.UTF_8), viewOnly);
        ReplySink sink = viewOnly ? ReplySink.discarding(maxReplyBytes)
                : ReplySink.besides(real, maxReplyBytes);
        int code;
        try (sink; InputStream content = Files.newInputStream(real, LinkOption.NOFOLLOW_LINKS);
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
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(real, LinkOption.NOFOLLOW_LINKS);
            sink.replace(real, mode);
            return new Outcome.Replaced(sink.count());
        }
    }
}
