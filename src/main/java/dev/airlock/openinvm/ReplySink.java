package dev.airlock.openinvm;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Where a reply goes while it arrives: counted against a limit, and either thrown away or written to a temporary
 * file beside the original (created at the first byte, so an empty reply leaves nothing behind). Closing it
 * removes the temporary file unless {@link #replace} moved it over the original.
 */
final class ReplySink extends OutputStream {
    /** Thrown by a write that would pass the limit; the call must end. */
    static final class OverLimitException extends IOException {
        private static final long serialVersionUID = 1L;

        OverLimitException(long limit) {
            super("the reply is over " + limit + " bytes", null);
        }
    }

    private final Path folder;
    private final long limit;
    private long count;
    private boolean overLimit;
    private Path temp;
    private FileChannel channel;

    private ReplySink(Path folder, long limit) {
        this.folder = folder;
        this.limit = limit;
    }

    /** A sink that counts and forgets. */
    static ReplySink discarding(long limit) {
        return new ReplySink(null, limit);
    }

    /** A sink that keeps the reply in a temporary file in the folder of {@code original}. */
    static ReplySink besides(Path original, long limit) {
        return new ReplySink(original.toAbsolutePath().getParent(), limit);
    }

    long count() {
        return count;
    }

    boolean overLimit() {
        return overLimit;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (overLimit) {
            throw new OverLimitException(limit);
        }
        if (len > limit - count) {
            overLimit = true;
            throw new OverLimitException(limit);
        }
        count += len;
        if (folder == null || len == 0) {
            return;
        }
        if (channel == null) {
            temp = Files.createTempFile(folder, ".airlock-open-", ".part",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            channel = FileChannel.open(temp, StandardOpenOption.WRITE);
        }
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    /**
     * Makes the complete reply the content of {@code original}, with {@code mode} and the owner {@code uid} and group
     * {@code gid}, in one rename. Returns {@code null} when done, or why the owner could not be kept: then nothing
     * was renamed and the reply is still here, for {@link #keepBeside}.
     */
    String replace(Path original, Set<PosixFilePermission> mode, int uid, int gid) throws IOException {
        finish();
        Files.setPosixFilePermissions(temp, mode);
        int ourUid = (int) Files.getAttribute(temp, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int ourGid = (int) Files.getAttribute(temp, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        try {
            // Only when they differ: root edits another user's file; a user keeps a group of theirs.
            if (gid != ourGid) {
                Files.setAttribute(temp, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
            }
            if (uid != ourUid) {
                Files.setAttribute(temp, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
            }
        } catch (IOException e) {
            return original + " belongs to uid " + uid + " gid " + gid + ", which the edited file cannot be given ("
                    + e.getMessage() + ")";
        }
        // chown clears the set-id bits; the mode is set again after it.
        Files.setPosixFilePermissions(temp, mode);
        Files.move(temp, original, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        temp = null;
        syncFolder(original);
        return null;
    }

    /**
     * Keeps the complete reply beside {@code original}, as {@code NAME.edited.EXT} (or {@code NAME.edited-2.EXT}
     * and so on), never replacing anything: a hard link fails when the name is taken. Returns the copy.
     */
    Path keepBeside(Path original) throws IOException {
        finish();
        String name = original.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        for (int i = 1; i <= MAX_COPIES; i++) {
            Path copy = original.resolveSibling(stem + (i == 1 ? ".edited" : ".edited-" + i) + ext);
            try {
                Files.createLink(copy, temp);
            } catch (FileAlreadyExistsException e) {
                continue;
            }
            Files.delete(temp);
            temp = null;
            syncFolder(original);
            return copy;
        }
        throw new IOException("no free name for the edited copy of " + original + " (" + MAX_COPIES + " tried)");
    }

    /** The most {@code .edited-N} names tried beside one file. */
    private static final int MAX_COPIES = 100;

    private void finish() throws IOException {
        channel.force(true);
        channel.close();
        channel = null;
    }

    private static void syncFolder(Path file) throws IOException {
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (channel != null) {
                channel.close();
            }
        } finally {
            channel = null;
            if (temp != null) {
                Files.deleteIfExists(temp);
                temp = null;
            }
        }
    }
}
