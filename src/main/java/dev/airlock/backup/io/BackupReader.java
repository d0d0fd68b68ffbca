package dev.airlock.backup.io;

import dev.airlock.backup.BackupFormatException;
import dev.airlock.backup.BackupHeader;
import dev.airlock.backup.ChunkName;
import dev.airlock.backup.KeyStrings;
import dev.airlock.backup.QubesXml;
import dev.airlock.backup.ScryptFile;
import dev.airlock.backup.TarEntry;
import dev.airlock.backup.TarReader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Reads a format-4 backup from an untrusted stream ({@code spec/backup.md} section 9): the header, authenticated
 * by {@code backup-header.hmac} before it is parsed; qubes.xml from its one chunk; then the archive paths one by
 * one. Every chunk is authenticated whole (both scrypt HMACs, under the key string bound to the backup, the path
 * and the index) before a byte of it is handed on; chunk names must be {@code PATH.NNN.enc}, each path's chunks
 * contiguous and numbered from 000 up, and each path may appear once. Memory: one chunk.
 */
public final class BackupReader {

    /**
     * What a reader accepts.
     *
     * @param scrypt the most memory and work a chunk's parameters may ask for, checked before deriving a key
     * @param maxChunkBytes the largest plaintext chunk (100 MiB as written)
     */
    public record Options(String passphrase, ScryptFile.Limits scrypt, int maxChunkBytes) {
        public Options {
            KeyStrings.requirePassphrase(passphrase);
        }

        /** The defaults: 100 MiB chunks; scrypt memory up to {@code maxScryptMemory}, work up to 16 times that. */
        public static Options defaults(String passphrase, long maxScryptMemory) {
            return new Options(passphrase, new ScryptFile.Limits(maxScryptMemory, 16 * maxScryptMemory),
                    BackupWriter.CHUNK_BYTES);
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
    private byte[] buffer = new byte[0];

    private BackupReader(TarReader outer, Options options) throws IOException {
        this.outer = outer;
        this.options = options;
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
        this.header = BackupHeader.parse(headerBytes);
        this.qubesXml = readQubesXml();
    }

    /** Reads and authenticates the header and qubes.xml of the backup in {@code in}. */
    public static BackupReader open(InputStream in, Options options) throws IOException {
        return new BackupReader(new TarReader(in, "the backup"), options);
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

    /** Reads, authenticates and decrypts the pending member as chunk {@code c}; the plaintext is in the buffer. */
    private int decrypt(ChunkName c) throws IOException {
        long limit = (long) options.maxChunkBytes() + ScryptFile.OVERHEAD;
        if (pending.size() > limit) {
            throw new BackupFormatException(c.memberName() + " declares " + pending.size() + " bytes, more than a "
                    + "chunk holds (" + limit + ")");
        }
        int size = (int) pending.size();
        if (buffer.length < size) {
            buffer = new byte[size];
        }
        if (outer.data().readNBytes(buffer, 0, size) != size) {
            throw new BackupFormatException("the backup is truncated inside " + c.memberName());
        }
        try {
            return ScryptFile.open(KeyStrings.chunk(header.backupId(), c.plainName(), options.passphrase()), buffer,
                    size, options.scrypt());
        } catch (BackupFormatException e) {
            throw new BackupFormatException(c.memberName() + ": " + e.getMessage());
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
        private int index;
        private int at;
        private int end;
        private boolean done;

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
            System.arraycopy(buffer, at, b, off, n);
            at += n;
            return n;
        }

        private boolean fill() throws IOException {
            if (done) {
                return false;
            }
            if (pending == null) {
                pending = outer.next();
            }
            if (pending == null) {
                done = true;
                return false;
            }
            ChunkName c = chunkName(pending);
            if (!c.path().equals(path)) {
                done = true;
                return false;
            }
            checkIndex(c, index++);
            int n = decrypt(c);
            at = ScryptFile.HEADER_BYTES;
            end = at + n;
            pending = null;
            return true;
        }
    }
}
