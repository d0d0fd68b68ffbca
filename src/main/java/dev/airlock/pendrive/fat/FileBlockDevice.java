package dev.airlock.pendrive.fat;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@link BlockDevice} over an image file, with positional I/O so that readers never share a file position. The
 * device's size is the file's size when opened: an image never grows.
 */
public final class FileBlockDevice implements BlockDevice {
    private final FileChannel channel;
    private final long size;
    private final boolean writable;

    private FileBlockDevice(FileChannel channel, boolean writable) throws IOException {
        this.channel = channel;
        this.size = channel.size();
        this.writable = writable;
    }

    /**
     * Creates a new sparse image of {@code size} bytes (no data blocks allocated); fails if {@code image} exists.
     */
    public static FileBlockDevice create(Path image, long size) throws IOException {
        if (size <= 0) {
            throw new IllegalArgumentException("an image needs a positive size");
        }
        FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        try {
            // Writing one byte at the end makes a sparse file of the full size.
            ch.write(ByteBuffer.allocate(1), size - 1);
            return new FileBlockDevice(ch, true);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Opens an existing image, read-only unless {@code writable}; a symlink is not followed. */
    public static FileBlockDevice open(Path image, boolean writable) throws IOException {
        FileChannel ch = writable
                ? FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)
                : FileChannel.open(image, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        return new FileBlockDevice(ch, writable);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public String what() {
        return "the image";
    }

    @Override
    public int readAt(long pos, ByteBuffer dst) throws IOException {
        int n = channel.read(dst, pos);
        if (n < 0) {
            throw new EOFException("the image ends at " + pos + " (truncated while open?)");
        }
        return n;
    }

    @Override
    public void requireWritable() throws IOException {
        if (!writable) {
            throw new IOException("the image is open read-only");
        }
    }

    @Override
    public int writeAt(long pos, ByteBuffer src) throws IOException {
        return channel.write(src, pos);
    }

    @Override
    public void flush() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
