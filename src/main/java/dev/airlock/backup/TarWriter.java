package dev.airlock.backup;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a POSIX (pax) tar archive to a stream, as GNU tar reads it: ustar headers, with a pax extended header
 * only for what ustar cannot hold (long names and link targets, large sizes and ids). A member's data is written
 * through {@link #write} after its {@link #begin}, exactly {@link TarEntry#size} bytes.
 */
public final class TarWriter implements AutoCloseable {

    static final int BLOCK = 512;
    private static final int RECORD = 10240;
    private static final long MAX_OCTAL_11 = 077777777777L;
    private static final int MAX_OCTAL_7 = 07777777;

    private final OutputStream out;
    private final boolean closeOut;
    private long written;
    private long remaining;

    /**
     * @param closeOut whether {@link #close} closes {@code out} after the end-of-archive blocks
     */
    public TarWriter(OutputStream out, boolean closeOut) {
        this.out = out;
        this.closeOut = closeOut;
    }

    /** Writes the header(s) of {@code e}; a file's data follows through {@link #write}. */
    public void begin(TarEntry e) throws IOException {
        if (remaining != 0) {
            throw new IllegalStateException(remaining + " bytes of the previous member are missing");
        }
        byte[] name = (e.type() == TarEntry.Type.DIRECTORY ? e.name() + "/" : e.name())
                .getBytes(StandardCharsets.UTF_8);
        Map<String, String> pax = new LinkedHashMap<>();
        byte[][] split = split(name);
        if (split == null) {
            pax.put("path", new String(name, StandardCharsets.UTF_8));
            split = new byte[][] {new byte[0], shortName(name)};
        }
        byte[] link = e.linkTarget() == null ? new byte[0] : e.linkTarget().getBytes(StandardCharsets.UTF_8);
        if (link.length > 100) {
            pax.put("linkpath", e.linkTarget());
            link = new byte[0];
        }
        if (e.size() > MAX_OCTAL_11) {
            pax.put("size", Long.toString(e.size()));
        }
        if (e.uid() < 0 || e.uid() > MAX_OCTAL_7) {
            pax.put("uid", Integer.toUnsignedString(e.uid()));
        }
        if (e.gid() < 0 || e.gid() > MAX_OCTAL_7) {
            pax.put("gid", Integer.toUnsignedString(e.gid()));
        }
        long mtime = Math.max(0, e.mtime());
        if (mtime > MAX_OCTAL_11) {
            pax.put("mtime", Long.toString(mtime));
        }
        if (!pax.isEmpty()) {
            byte[] records = paxRecords(pax);
            writeHeader(("PaxHeaders/" + new String(shortName(name), StandardCharsets.UTF_8))
                            .getBytes(StandardCharsets.UTF_8), new byte[0], 'x', 0644, 0, 0, records.length, mtime,
                    new byte[0]);
            out.write(records);
            pad(records.length);
            written += records.length;
        }
        char type = switch (e.type()) {
            case FILE -> '0';
            case DIRECTORY -> '5';
            case SYMLINK -> '2';
        };
        writeHeader(split[1], split[0], type, e.mode(), Math.max(0, Math.min(e.uid(), MAX_OCTAL_7)),
                Math.max(0, Math.min(e.gid(), MAX_OCTAL_7)), Math.min(e.size(), MAX_OCTAL_11),
                Math.min(mtime, MAX_OCTAL_11), link);
        remaining = e.size();
    }

    /** Writes data of the current file. */
    public void write(byte[] b, int off, int len) throws IOException {
        if (len > remaining) {
            throw new IllegalStateException("more data than the member's size");
        }
        out.write(b, off, len);
        remaining -= len;
        written += len;
        if (remaining == 0) {
            pad(written);
        }
    }

    /** A whole member with its data. */
    public void add(TarEntry e, byte[] data) throws IOException {
        begin(e);
        if (data.length > 0) {
            write(data, 0, data.length);
        }
    }

    /** Ends the archive: two zero blocks, padded to a 10240-byte record. */
    @Override
    public void close() throws IOException {
        if (remaining != 0) {
            throw new IllegalStateException(remaining + " bytes of the last member are missing");
        }
        long end = written + 2 * BLOCK;
        long total = (end + RECORD - 1) / RECORD * RECORD;
        out.write(new byte[(int) (total - written)]);
        written = total;
        out.flush();
        if (closeOut) {
            out.close();
        }
    }

    private void pad(long length) throws IOException {
        int tail = (int) (length % BLOCK);
        if (tail != 0) {
            out.write(new byte[BLOCK - tail]);
            written += BLOCK - tail;
        }
    }

    /** {prefix, name} for ustar, or null if the name cannot be split to fit. */
    private static byte[][] split(byte[] name) {
        if (name.length <= 100) {
            return new byte[][] {new byte[0], name};
        }
        int limit = Math.min(name.length - 1, 155);
        for (int i = limit; i > 0; i--) {
            if (name[i] == '/' && name.length - i - 1 <= 100 && name.length - i - 1 > 0) {
                byte[] prefix = java.util.Arrays.copyOfRange(name, 0, i);
                byte[] rest = java.util.Arrays.copyOfRange(name, i + 1, name.length);
                return new byte[][] {prefix, rest};
            }
        }
        return null;
    }

    /** A stand-in name under 100 bytes for readers that ignore pax, cut at a character boundary. */
    private static byte[] shortName(byte[] name) {
        int n = Math.min(name.length, 99);
        while (n > 0 && n < name.length && (name[n] & 0xc0) == 0x80) {
            n--;
        }
        return java.util.Arrays.copyOf(name, n);
    }

    private static byte[] paxRecords(Map<String, String> pax) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> kv : pax.entrySet()) {
            String body = " " + kv.getKey() + "=" + kv.getValue() + "\n";
            int bodyLength = body.getBytes(StandardCharsets.UTF_8).length;
            int length = bodyLength + 1;
            while (length != bodyLength + Integer.toString(length).length()) {
                length = bodyLength + Integer.toString(length).length();
            }
            b.append(length).append(body);
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void writeHeader(byte[] name, byte[] prefix, char type, int mode, int uid, int gid, long size,
                             long mtime, byte[] link) throws IOException {
        byte[] h = new byte[BLOCK];
        System.arraycopy(name, 0, h, 0, Math.min(name.length, 100));
        octal(h, 100, 8, mode & 07777);
        octal(h, 108, 8, uid);
        octal(h, 116, 8, gid);
        octal(h, 124, 12, size);
        octal(h, 136, 12, mtime);
        h[156] = (byte) type;
        System.arraycopy(link, 0, h, 157, Math.min(link.length, 100));
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        System.arraycopy(prefix, 0, h, 345, Math.min(prefix.length, 155));
        java.util.Arrays.fill(h, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte x : h) {
            sum += x & 0xff;
        }
        octal(h, 148, 7, sum);
        h[155] = ' ';
        out.write(h);
        written += BLOCK;
    }

    /** A NUL-terminated octal number filling {@code width} bytes. */
    private static void octal(byte[] h, int at, int width, long value) {
        String s = Long.toOctalString(value);
        int digits = width - 1;
        for (int i = 0; i < digits; i++) {
            int from = s.length() - digits + i;
            h[at + i] = (byte) (from < 0 ? '0' : s.charAt(from));
        }
        h[at + digits] = 0;
    }
}
