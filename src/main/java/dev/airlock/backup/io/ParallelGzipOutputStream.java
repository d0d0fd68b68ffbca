package dev.airlock.backup.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A gzip stream of a single member whose deflate blocks are compressed on several threads: the input is cut into
 * blocks, each compressed with the previous block's last 32 KiB as preset dictionary and ended by a sync flush (the
 * last one by finish), so their concatenation is one deflate stream any gzip reader accepts. At most a fixed number
 * of blocks is in flight; writing waits for the oldest one when that many are. Closing it closes the sink and stops
 * its threads, also after a failure.
 */
final class ParallelGzipOutputStream extends OutputStream {

    /** Compresses one block to raw deflate; the seam through which tests make a worker fail. */
    @FunctionalInterface
    interface BlockDeflater {
        byte[] deflate(byte[] dictionary, byte[] block, int length, boolean last, int level);
    }

    static final int DICTIONARY = 32 * 1024;
    static final int DEFAULT_BLOCK = 512 * 1024;
    static final String THREAD_NAME = "backup-gzip";

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final OutputStream sink;
    private final int level;
    private final int blockSize;
    private final int maxInFlight;
    private final BlockDeflater deflater;
    private final ExecutorService pool;
    private final ArrayDeque<Future<byte[]>> inFlight = new ArrayDeque<>();
    private final CRC32 crc = new CRC32();
    private byte[] block;
    private int filled;
    private byte[] previous;
    private long size;
    private boolean failed;
    private boolean closed;

    /** Default level, {@link #DEFAULT_BLOCK} blocks, one thread per processor. */
    ParallelGzipOutputStream(OutputStream sink) throws IOException {
        this(sink, Deflater.DEFAULT_COMPRESSION, DEFAULT_BLOCK, Runtime.getRuntime().availableProcessors(),
                ParallelGzipOutputStream::deflateBlock);
    }

    ParallelGzipOutputStream(OutputStream sink, int level, int blockSize, int threads, BlockDeflater deflater)
            throws IOException {
        if (blockSize < DICTIONARY || threads < 1) {
            throw new IllegalArgumentException("block size " + blockSize + " or threads " + threads);
        }
        this.sink = sink;
        this.level = level;
        this.blockSize = blockSize;
        // Two blocks per thread keep every thread busy while the oldest is written out; more would only cost memory.
        this.maxInFlight = 2 * threads;
        this.deflater = deflater;
        this.block = new byte[blockSize];
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, THREAD_NAME + "-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            // Magic, deflate, no flags, no time, no extra flags, OS unknown (RFC 1952 section 2.3).
            sink.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff});
        } catch (IOException | RuntimeException e) {
            pool.shutdownNow();
            throw e;
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        requireOpen();
        crc.update(b, off, len);
        size += len;
        while (len > 0) {
            int n = Math.min(len, blockSize - filled);
            System.arraycopy(b, off, block, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == blockSize) {
                submit(false);
            }
        }
    }

    /** Blocks are deflated whole; a flush cannot push a partial one without breaking the dictionary chain. */
    @Override
    public void flush() throws IOException {
        requireOpen();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (OutputStream s = sink) {
            if (!failed) {
                submit(true);
                while (!inFlight.isEmpty()) {
                    writeOldest();
                }
                long c = crc.getValue();
                s.write(new byte[] {(byte) c, (byte) (c >> 8), (byte) (c >> 16), (byte) (c >> 24),
                        (byte) size, (byte) (size >> 8), (byte) (size >> 16), (byte) (size >> 24)});
            }
        } finally {
            stop();
        }
    }

    private void requireOpen() throws IOException {
        if (closed) {
            throw new IOException("gzip stream closed");
        }
        if (failed) {
            throw new IOException("gzip compression failed earlier");
        }
    }

    private void submit(boolean last) throws IOException {
        byte[] data = block;
        int length = filled;
        byte[] dictionary = previous;
        try {
            inFlight.add(pool.submit(() -> deflater.deflate(dictionary, data, length, last, level)));
            // Every block but the last is full, so its tail is a whole window for the next one.
            previous = data;
            block = last ? null : new byte[blockSize];
            filled = 0;
            while (inFlight.size() >= maxInFlight) {
                writeOldest();
            }
        } catch (IOException | RuntimeException e) {
            fail();
            throw e;
        }
    }

    private void writeOldest() throws IOException {
        Future<byte[]> oldest = inFlight.poll();
        byte[] out;
        try {
            out = oldest.get();
        } catch (InterruptedException e) {
            fail();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while compressing");
        } catch (ExecutionException e) {
            fail();
            throw new IOException("gzip compression failed: " + e.getCause(), e.getCause());
        }
        try {
            sink.write(out);
        } catch (IOException | RuntimeException e) {
            fail();
            throw e;
        }
    }

    private void fail() {
        failed = true;
        inFlight.forEach(f -> f.cancel(true));
        inFlight.clear();
        pool.shutdownNow();
    }

    /**
     * Waits for the workers to end so that none outlives the stream, even when this thread is interrupted: a
     * cancelled worker only finishes the block it holds, a matter of milliseconds.
     */
    private void stop() throws IOException {
        pool.shutdownNow();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (pool.awaitTermination(1, TimeUnit.MINUTES)) {
                        return;
                    }
                    throw new IOException("gzip threads did not stop");
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Raw deflate of one block, primed with the dictionary's last 32 KiB; sync-flushed unless it is the last. */
    static byte[] deflateBlock(byte[] dictionary, byte[] data, int length, boolean last, int level) {
        Deflater d = new Deflater(level, true);
        try {
            if (dictionary != null) {
                d.setDictionary(dictionary, dictionary.length - DICTIONARY, DICTIONARY);
            }
            d.setInput(data, 0, length);
            if (last) {
                d.finish();
            }
            byte[] out = new byte[length + length / 8 + 64];
            int n = 0;
            while (true) {
                if (n == out.length) {
                    out = Arrays.copyOf(out, out.length * 2);
                }
                n += d.deflate(out, n, out.length - n, last ? Deflater.NO_FLUSH : Deflater.SYNC_FLUSH);
                // A sync flush is complete when it left room in the buffer; a finish when the deflater says so.
                if (last ? d.finished() : n < out.length) {
                    return Arrays.copyOf(out, n);
                }
            }
        } finally {
            d.end();
        }
    }
}
