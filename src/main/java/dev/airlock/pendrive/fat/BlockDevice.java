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

    /**
     * Fills {@code dst} (all its remaining bytes) from {@code offset}.
     *
     * @throws IOException when the range is not inside the device or the device fails
     */
    void read(long offset, ByteBuffer dst) throws IOException;

    /**
     * Writes all remaining bytes of {@code src} at {@code offset}.
     *
     * @throws IOException when the range is not inside the device, the device is read-only or it fails
     */
    void write(long offset, ByteBuffer src) throws IOException;

    /** Makes every completed write durable. */
    void flush() throws IOException;

    @Override
    void close() throws IOException;
}
