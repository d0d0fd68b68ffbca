package dev.airlock.pendrive.fat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/** A sparse in-memory {@link BlockDevice}: 4 KiB pages made on first write, zeros elsewhere. Copies are cheap. */
final class MemoryDevice implements BlockDevice {
    private static final int PAGE = 4096;
    private final long size;
    private final Map<Long, byte[]> pages;

    MemoryDevice(long size) {
        this(size, new HashMap<>());
    }

    private MemoryDevice(long size, Map<Long, byte[]> pages) {
        this.size = size;
        this.pages = pages;
    }

    /** A deep copy, to mutate without touching this one. */
    MemoryDevice copy() {
        Map<Long, byte[]> copy = new HashMap<>();
        pages.forEach((k, v) -> copy.put(k, v.clone()));
        return new MemoryDevice(size, copy);
    }

    int pagesUsed() {
        return pages.size();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public String what() {
        return "the device";
    }

    @Override
    public int readAt(long pos, ByteBuffer dst) {
        int in = (int) (pos % PAGE);
        int n = Math.min(PAGE - in, dst.remaining());
        byte[] page = pages.get(pos / PAGE);
        if (page == null) {
            for (int i = 0; i < n; i++) {
                dst.put((byte) 0);
            }
        } else {
            dst.put(page, in, n);
        }
        return n;
    }

    @Override
    public int writeAt(long pos, ByteBuffer src) {
        int in = (int) (pos % PAGE);
        int n = Math.min(PAGE - in, src.remaining());
        src.get(pages.computeIfAbsent(pos / PAGE, k -> new byte[PAGE]), in, n);
        return n;
    }

    /** Reads {@code n} bytes at {@code offset} (test convenience). */
    byte[] bytes(long offset, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        read(offset, b);
        return b.array();
    }

    /** Writes {@code data} at {@code offset} (test convenience). */
    void poke(long offset, byte... data) throws IOException {
        write(offset, ByteBuffer.wrap(data));
    }

    @Override
    public void flush() {
        // Nothing is buffered.
    }

    @Override
    public void close() {
        // Memory only.
    }
}
