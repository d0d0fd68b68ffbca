package dev.airlock.backup.io;

import dev.airlock.backup.BackupFormatException;
import dev.airlock.backup.BackupHeader;
import dev.airlock.backup.ChunkName;
import dev.airlock.backup.KeyStrings;
import dev.airlock.backup.QubesXml;
import dev.airlock.backup.ScryptFile;
import dev.airlock.backup.ScryptParams;
import dev.airlock.backup.TarEntry;
import dev.airlock.backup.TarReader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Reads a format-4 backup from an untrusted stream ({@code docs/backup.md} section 9): the header, authenticated
 * by {@code backup-header.hmac} before it is parsed; qubes.xml from its one chunk; then the archive paths one by
 * one. Every chunk is authenticated whole (both scrypt HMACs, under the key string bound to the backup, the path
 * and the index) before a byte of it is handed on; chunk names must be {@code PATH.NNN.enc}, each path's chunks
 * contiguous and numbered from 000 up, and each path may appear once. The key derivation dominates, so up to
 * {@link Options#threads} chunks of a path are read ahead and opened on a pool; they are still handed on one by
 * one, in order, each only once it authenticated. Memory: {@code threads + 1} chunks.
 */
public final class BackupReader implements AutoCloseable {

    /**
     * What a reader accepts.
     *
     * @param scrypt the most memory and work a chunk's parameters may ask for, checked before deriving a key
     * @param maxChunkBytes the largest plaintext chunk (100 MiB as written)
     * @param threads chunks of one path authenticated and decrypted at once
     */
    public record Options(String passphrase, ScryptFile.Limits scrypt, int maxChunkBytes, int threads) {
        public Options {
            KeyStrings.requirePassphrase(passphrase);
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be positive");
            }
        }

        /**
         * The defaults: 100 MiB chunks; scrypt memory up to {@code maxScryptMemory}, work up to 16 times that;
         * one thread per processor, fewer if the heap could not hold them with the key derivation airlock writes.
         */
        public static Options defaults(String passphrase, long maxScryptMemory) {
            return new Options(passphrase, new ScryptFile.Limits(maxScryptMemory, 16 * maxScryptMemory),
                    BackupWriter.CHUNK_BYTES, BackupWriter.threadsWithin(Runtime.getRuntime().maxMemory(),
                    BackupWriter.CHUNK_BYTES, ScryptParams.DEFAULT));
        }
    }

    private static final int MAX_HMAC_BYTES = 4096;

    private final TarReader outer;
    private final Options options;
    private final BackupHeader header;
    private final QubesXml qubesXml;
    private final Set<String> seen = new HashSet<>();
    private TarEntry pending;
    private ChunkStream current;
    private final ExecutorService pool;
    private final Deque<byte[]> free = new ArrayDeque<>();

    private BackupReader(TarReader outer, Options options) throws IOException {
        this.outer = outer;
        this.options = options;
        this.pool = Executors.newFixedThreadPool(options.threads(), r -> {
            Thread t = new Thread(r, "restore-decrypt");
            t.setDaemon(true);
            return t;
        });
        try {
            this.header = readHeader();
            this.qubesXml = readQubesXml();
        } catch (IOException | RuntimeException e) {
            pool.shutdownNow();
            throw e;
        }
    }

    private BackupHeader readHeader() throws IOException {
        byte[] headerBytes = small(expect("backup-header"), BackupHeader.MAX_BYTES);
        TarEntry hmacMember = expect("backup-header.hmac");
        if (hmacMember.size() > MAX_HMAC_BYTES) {
            throw new BackupFormatException("backup-header.hmac is " + hmacMember.size() + " bytes, over the "
                    + MAX_HMAC_BYTES + "-byte limit");
        }
        byte[] hmac = small(hmacMember, MAX_HMAC_BYTES);
        int n;
        try {
            n = ScryptFile.open(KeyStrings.header(options.passphrase()), hmac, hmac.length, options.scrypt());
        } catch (BackupFormatException e) {
            throw new BackupFormatException("backup-header.hmac: " + e.getMessage());
        }
        if (!Arrays.equals(hmac, ScryptFile.HEADER_BYTES, ScryptFile.HEADER_BYTES + n, headerBytes, 0,
                headerBytes.length)) {
            throw new BackupFormatException("backup-header was modified: it does not match backup-header.hmac");
        }
        return BackupHeader.parse(headerBytes);
    }

    /** Reads and authenticates the header and qubes.xml of the backup in {@code in}; close the reader after. */
    public static BackupReader open(InputStream in, Options options) throws IOException {
        return new BackupReader(new TarReader(in, "the backup"), options);
    }

    /** Stops the threads; chunks still being opened are dropped. */
    @Override
    public void close() {
        pool.shutdownNow();
    }

    public BackupHeader header() {
        return header;
    }

    public QubesXml qubesXml() {
        return qubesXml;
    }

    /** The next archive path in the backup, or {@code null} at its end. */
    public String nextPath() throws IOException {
        if (pending == null) {
            pending = outer.next();
            if (pending == null) {
                return null;
            }
        }
        ChunkName c = chunkName(pending);
        if (!seen.add(c.path())) {
            throw new BackupFormatException("chunks of " + c.path() + " appear again after another path's: the "
                    + "backup's chunks were reordered");
        }
        if (c.index() != 0) {
            throw new BackupFormatException("the first chunk of " + c.path() + " is " + c.memberName()
                    + ", not .000: chunks are missing or reordered");
        }
        return c.path();
    }

    /**
     * The inner archive of the path {@link #nextPath} returned, decompressed: each chunk authenticated before its
     * bytes are read. Read it to its end before asking for the next path.
     */
    public InputStream open(String path) throws IOException {
        current = new ChunkStream(path);
        return header.compressed() ? Compression.decompress(header.filter(), current) : current;
    }

    /**
     * Ends the path last {@link #open}ed once its inner archive was read: its remaining chunks are authenticated
     * too, and must hold nothing more.
     */
    public void finish() throws IOException {
        byte[] rest = new byte[4096];
        int n;
        while ((n = current.read(rest, 0, rest.length)) >= 0) {
            if (n > 0) {
                throw new BackupFormatException(current.path + " holds data after the end of its archive");
            }
        }
    }

    /** Passes over the path {@link #nextPath} returned without decrypting it, still checking its chunks' order. */
    public void skip(String path) throws IOException {
        int index = 0;
        while (pending != null) {
            ChunkName c = chunkName(pending);
            if (!c.path().equals(path)) {
                return;
            }
            checkIndex(c, index++);
            pending = outer.next();
        }
    }

    private ChunkName chunkName(TarEntry m) throws IOException {
        if (m.type() != TarEntry.Type.FILE) {
            throw new BackupFormatException("backup member " + m.name() + " is not a file");
        }
        return ChunkName.parse(m.name());
    }

    private static void checkIndex(ChunkName c, int expected) throws BackupFormatException {
        if (c.index() != expected) {
            throw new BackupFormatException("chunk " + c.memberName() + " is out of order (expected index "
                    + String.format("%03d", expected) + "): chunks are missing or reordered");
        }
    }

    /** A chunk opened on the pool: its buffer, with the plaintext from {@link ScryptFile#HEADER_BYTES}. */
    private record Opened(byte[] buffer, int length) {
    }

    /** Reads the pending member as chunk {@code c} and starts authenticating and decrypting it on the pool. */
    private Future<Opened> submit(ChunkName c) throws IOException {
        long limit = (long) options.maxChunkBytes() + ScryptFile.OVERHEAD;
        if (pending.size() > limit) {
            throw new BackupFormatException(c.memberName() + " declares " + pending.size() + " bytes, more than a "
                    + "chunk holds (" + limit + ")");
        }
        int size = (int) pending.size();
        byte[] buffer = free.poll();
        if (buffer == null || buffer.length < size) {
            buffer = new byte[size];
        }
        if (outer.data().readNBytes(buffer, 0, size) != size) {
            throw new BackupFormatException("the backup is truncated inside " + c.memberName());
        }
        byte[] key = KeyStrings.chunk(header.backupId(), c.plainName(), options.passphrase());
        byte[] b = buffer;
        return pool.submit(() -> {
            try {
                return new Opened(b, ScryptFile.open(key, b, size, options.scrypt()));
            } catch (BackupFormatException e) {
                throw new BackupFormatException(c.memberName() + ": " + e.getMessage());
            }
        });
    }

    private static Opened await(Future<Opened> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while decrypting");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("decrypting failed: " + e.getCause(), e.getCause());
        }
    }

    private QubesXml readQubesXml() throws IOException {
        pending = outer.next();
        if (pending == null || !pending.name().equals("qubes.xml.000.enc")) {
            throw new BackupFormatException("the backup's third member is "
                    + (pending == null ? "missing" : pending.name()) + ", not qubes.xml.000.enc");
        }
        nextPath();
        byte[] xml = null;
        try (InputStream in = open("qubes.xml")) {
            TarReader inner = new TarReader(in, "qubes.xml.000.enc");
            for (TarEntry e = inner.next(); e != null; e = inner.next()) {
                if (e.name().equals("qubes.xml") && e.type() == TarEntry.Type.FILE && xml == null) {
                    if (e.size() > QubesXml.MAX_BYTES) {
                        throw new BackupFormatException("qubes.xml declares " + e.size() + " bytes, over the limit");
                    }
                    xml = inner.data().readAllBytes();
                }
            }
        }
        finish();
        if (xml == null) {
            throw new BackupFormatException("qubes.xml.000.enc holds no qubes.xml");
        }
        return QubesXml.parse(xml);
    }

    private TarEntry expect(String name) throws IOException {
        TarEntry e = outer.next();
        if (e == null) {
            throw new BackupFormatException("the backup is empty or truncated: " + name + " is missing");
        }
        if (!e.name().equals(name) || e.type() != TarEntry.Type.FILE) {
            throw new BackupFormatException("the backup's member " + e.name() + " is where " + name
                    + " should be: not a Qubes format-4 backup, or reordered");
        }
        return e;
    }

    private byte[] small(TarEntry e, int max) throws IOException {
        if (e.size() > max) {
            throw new BackupFormatException(e.name() + " is " + e.size() + " bytes, over the " + max
                    + "-byte limit");
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        outer.data().transferTo(b);
        return b.toByteArray();
    }

    /** The plaintext of one path's chunks, each authenticated before it is read. */
    private final class ChunkStream extends InputStream {
        private final String path;
        private final Deque<Future<Opened>> ahead = new ArrayDeque<>();
        private int index;
        private byte[] plain = new byte[0];
        private int at;
        private int end;
        private boolean ended;

        ChunkStream(String path) {
            this.path = path;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (at == end) {
                if (!fill()) {
                    return -1;
                }
            }
            int n = Math.min(len, end - at);
            System.arraycopy(plain, at, b, off, n);
            at += n;
            return n;
        }

        private boolean fill() throws IOException {
            readAhead();
            Future<Opened> next = ahead.poll();
            if (next == null) {
                return false;
            }
            Opened o = await(next);
            if (plain.length > 0) {
                free.push(plain);
            }
            plain = o.buffer();
            at = ScryptFile.HEADER_BYTES;
            end = at + o.length();
            readAhead();
            return true;
        }

        /** Starts opening this path's next chunks, up to one per thread. */
        private void readAhead() throws IOException {
            while (!ended && ahead.size() < options.threads()) {
                if (pending == null) {
                    pending = outer.next();
                }
                if (pending == null) {
                    ended = true;
                    return;
                }
                ChunkName c = chunkName(pending);
                if (!c.path().equals(path)) {
                    ended = true;
                    return;
                }
                checkIndex(c, index++);
                ahead.add(submit(c));
                pending = null;
            }
        }
    }
}
