package dev.airlock.backup.io;

import dev.airlock.backup.ChunkName;
import dev.airlock.backup.KeyStrings;
import dev.airlock.backup.ScryptFile;
import dev.airlock.backup.ScryptParams;
import dev.airlock.backup.TarEntry;
import dev.airlock.backup.TarWriter;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Cuts inner streams into chunks, encrypts them on a pool of threads, and appends them to the outer archive in
 * order. Memory is bounded whatever the size of the backup: at most {@code parallel} chunks are being encrypted
 * and one is being filled, each buffer reused once its chunk is written.
 */
final class ChunkEncryptor implements AutoCloseable {

    private record Pending(ChunkName name, byte[] buffer, Future<ScryptFile.Sealed> sealed) {
    }

    private final TarWriter outer;
    private final ExecutorService pool;
    private final int parallel;
    private final int chunkBytes;
    private final String backupId;
    private final String passphrase;
    private final ScryptParams params;
    private final long mtime;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private final Deque<byte[]> free = new ArrayDeque<>();
    private long written;

    ChunkEncryptor(TarWriter outer, ExecutorService pool, int parallel, int chunkBytes, String backupId,
                   String passphrase, ScryptParams params, long mtime) {
        this.outer = outer;
        this.pool = pool;
        this.parallel = parallel;
        this.chunkBytes = chunkBytes;
        this.backupId = backupId;
        this.passphrase = passphrase;
        this.params = params;
        this.mtime = mtime;
    }

    /** Bytes of encrypted chunks written so far. */
    long written() {
        return written;
    }

    /** A stream whose bytes become chunks {@code path.000.enc}, {@code path.001.enc}...; close it to end them. */
    OutputStream open(String path) {
        return new OutputStream() {
            private byte[] buffer = take();
            private int fill;
            private int index;
            private boolean closed;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                while (len > 0) {
                    int n = Math.min(len, buffer.length - fill);
                    System.arraycopy(b, off, buffer, fill, n);
                    fill += n;
                    off += n;
                    len -= n;
                    if (fill == buffer.length) {
                        submit(new ChunkName(path, index++), buffer, fill);
                        buffer = take();
                        fill = 0;
                    }
                }
            }

            /** The last chunk, empty if the stream filled the one before exactly ({@code docs/backup.md} section 2). */
            @Override
            public void close() throws IOException {
                if (!closed) {
                    closed = true;
                    submit(new ChunkName(path, index), buffer, fill);
                }
            }
        };
    }

    private byte[] take() {
        byte[] b = free.poll();
        return b != null ? b : new byte[chunkBytes];
    }

    private void submit(ChunkName name, byte[] buffer, int length) throws IOException {
        while (pending.size() >= parallel) {
            drainOne();
        }
        byte[] key = KeyStrings.chunk(backupId, name.plainName(), passphrase);
        pending.add(new Pending(name, buffer, pool.submit(() -> ScryptFile.seal(key, params, buffer, length))));
    }

    private void drainOne() throws IOException {
        Pending p = pending.poll();
        ScryptFile.Sealed s;
        try {
            s = p.sealed().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while encrypting");
        } catch (ExecutionException e) {
            throw new IOException("encrypting " + p.name().memberName() + " failed: " + e.getCause(), e.getCause());
        }
        outer.begin(TarEntry.file(p.name().memberName(), 0644, s.size(), mtime));
        outer.write(s.header(), 0, s.header().length);
        outer.write(s.data(), 0, s.length());
        outer.write(s.mac(), 0, s.mac().length);
        written += s.size();
        free.push(p.buffer());
    }

    /** Writes every chunk still being encrypted. */
    @Override
    public void close() throws IOException {
        while (!pending.isEmpty()) {
            drainOne();
        }
    }
}
