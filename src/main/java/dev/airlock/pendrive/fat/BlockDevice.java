package dev.airlock.pendrive.fat;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Byte ranges at offsets of a fixed-size device: a pendrive image. The FAT code sees nothing else, so the same code
 * runs over a local sparse file or over a domain's channel, where the host serves the image and "detach" means the
 * host refusing further requests.
 */
public interface BlockDevice extends AutoCloseable {
    /** The device's size in bytes; fixed for its lifetime. */
    long size();

    /** What the device is, for messages ("the image", a pendrive's name). */
    String what();

    /**
     * Fills {@code dst} (all its remaining bytes) from {@code offset}.
     *
     * @throws IOException when the range is not inside the device or the device fails
     */
    default void read(long offset, ByteBuffer dst) throws IOException {
        requireInside(offset, dst.remaining());
        for (long pos = offset; dst.hasRemaining(); ) {
            pos += readAt(pos, dst);
        }
    }

    /**
     * Writes all remaining bytes of {@code src} at {@code offset}.
     *
     * @throws IOException when the range is not inside the device, the device is read-only or it fails
     */
    default void write(long offset, ByteBuffer src) throws IOException {
        requireWritable();
        requireInside(offset, src.remaining());
        for (long pos = offset; src.hasRemaining(); ) {
            pos += writeAt(pos, src);
        }
    }

    /**
     * Reads at least one byte at {@code pos} into {@code dst}, which has room, inside the device; returns how many.
     * Only {@link #read} calls it, after checking the range.
     */
    int readAt(long pos, ByteBuffer dst) throws IOException;

    /** Writes at least one byte of {@code src} at {@code pos}, inside the device; returns how many. */
    int writeAt(long pos, ByteBuffer src) throws IOException;

    /** Fails when the device takes no writes; by default it takes them. */
    default void requireWritable() throws IOException {
    }

    /** Fails unless {@code length} bytes from {@code offset} are inside the device. */
    private void requireInside(long offset, int length) throws IOException {
        if (offset < 0 || offset > size() - length) {
            throw new IOException("range " + offset + "+" + length + " is outside " + what() + " (" + size()
                    + " bytes)");
        }
    }

    /** Makes every completed write durable. */
    void flush() throws IOException;

    @Override
    void close() throws IOException;
}
