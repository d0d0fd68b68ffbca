package dev.airlock.pendrive.fat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Entries of the file allocation table through one cached window, so that memory stays constant whatever the size
 * of the FAT. Reads come from the active FAT; writes go to every copy when the window is flushed.
 */
final class FatTable {
    static final long FREE = 0;
    static final long BAD = 0x0FFF_FFF7L;
    /** Values from here up mark the end of a chain; this one is what we write. */
    static final long END = 0x0FFF_FFF8L;
    static final long END_MARK = 0x0FFF_FFFFL;
    private static final long MASK = 0x0FFF_FFFFL;
    private static final int WINDOW = 64 * 1024;

    private final BlockDevice device;
    private final Geometry g;
    private final ByteBuffer window;
    private long windowStart = -1;
    private int windowLength;
    private boolean dirty;

    FatTable(BlockDevice device, Geometry g) {
        this.device = device;
        this.g = g;
        this.window = ByteBuffer.allocate((int) Math.min(WINDOW, g.fatBytes())).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The entry of {@code cluster} (28 bits), which must be at most {@link Geometry#lastCluster()}. */
    long get(long cluster) throws IOException {
        int at = load(cluster);
        return Integer.toUnsignedLong(window.getInt(at)) & MASK;
    }

    /** Sets the entry of {@code cluster}, keeping the 4 reserved high bits as they are. */
    void set(long cluster, long value) throws IOException {
        int at = load(cluster);
        int old = window.getInt(at);
        window.putInt(at, (int) ((old & ~MASK) | (value & MASK)));
        dirty = true;
    }

    private int load(long cluster) throws IOException {
        long byteIndex = cluster * 4;
        if (cluster < 0 || byteIndex + 4 > g.fatBytes()) {
            throw new IllegalArgumentException("cluster " + cluster + " is beyond the FAT");
        }
        if (windowStart < 0 || byteIndex < windowStart || byteIndex + 4 > windowStart + windowLength) {
            flush();
            windowStart = byteIndex - byteIndex % window.capacity();
            windowLength = (int) Math.min(window.capacity(), g.fatBytes() - windowStart);
            ByteBuffer view = window.clear().limit(windowLength);
            device.read(g.fatOffset(Math.max(g.activeFat(), 0)) + windowStart, view);
        }
        return (int) (byteIndex - windowStart);
    }

    /** Writes the window to every FAT copy if it changed. */
    void flush() throws IOException {
        if (!dirty) {
            return;
        }
        for (int copy = 0; copy < g.fatCount(); copy++) {
            device.write(g.fatOffset(copy) + windowStart, window.duplicate().clear().limit(windowLength));
        }
        dirty = false;
    }
}
