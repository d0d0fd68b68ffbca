package dev.airlock.filecopy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * Builds {@code qubes.Filecopy} streams byte by byte, well-formed ({@link #dir}, {@link #file}, {@link #symlink}) or
 * hand-made hostile ({@link #raw}). {@link #size()} between calls marks how far a receiver should read before it
 * refuses, which is what its reply's CRC must cover.
 */
final class StreamBuilder {
    static final int S_IFIFO = 0010000;
    static final int S_IFCHR = 0020000;
    static final int S_IFDIR = 0040000;
    static final int S_IFBLK = 0060000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;
    static final int S_IFSOCK = 0140000;

    /** Fixed times so that every run of a stream is byte-identical. */
    static final long ATIME = 1_600_000_000L;
    static final long ATIME_NSEC = 111_111_111L;
    static final long MTIME = 1_700_000_000L;
    static final long MTIME_NSEC = 222_222_222L;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** One directory header (a directory is sent twice: before and after its children). */
    StreamBuilder dir(String name, int mode) {
        byte[] n = nul(name);
        return raw(header(S_IFDIR | mode, n.length, 0), n, new byte[0]);
    }

    StreamBuilder file(String name, int mode, byte[] content) {
        byte[] n = nul(name);
        return raw(header(S_IFREG | mode, n.length, content.length), n, content);
    }

    StreamBuilder symlink(String name, String target) {
        byte[] n = nul(name);
        byte[] t = utf8(target);
        return raw(header(S_IFLNK | 0777, n.length, t.length), n, t);
    }

    /** Appends exactly these bytes, whatever the header claims. */
    StreamBuilder raw(FileHeader h, byte[] nameBytesIncludingNul, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(FileHeader.SIZE);
        h.encode(b);
        out.writeBytes(b.array());
        out.writeBytes(nameBytesIncludingNul);
        out.writeBytes(body);
        return this;
    }

    /** Appends bytes that are not an entry (e.g. half a header). */
    StreamBuilder bytes(byte[] junk) {
        out.writeBytes(junk);
        return this;
    }

    StreamBuilder end() {
        return raw(FileHeader.END, new byte[0], new byte[0]);
    }

    int size() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** The stream cut after {@code length} bytes. */
    byte[] truncatedAt(int length) {
        return Arrays.copyOf(out.toByteArray(), length);
    }

    /** A header with the fixed times. */
    static FileHeader header(int mode, long namelen, long filelen) {
        return new FileHeader(namelen, mode, filelen, ATIME, ATIME_NSEC, MTIME, MTIME_NSEC);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The UTF-8 bytes of {@code name} with the terminating NUL. */
    static byte[] nul(String name) {
        byte[] u = utf8(name);
        return Arrays.copyOf(u, u.length + 1);
    }

    static long crc32(byte[] data, int length) {
        CRC32 c = new CRC32();
        c.update(data, 0, length);
        return c.getValue();
    }
}
