package dev.airlock.backup;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Reads a tar archive from an untrusted stream, one member at a time: ustar headers with their checksum, pax
 * extended headers (path, linkpath, size, mtime, uid, gid) of bounded size, and zero blocks skipped as
 * {@code tar -i} does, so concatenated archives read as one. Files, directories and symbolic links only; any
 * other member type, a name with a NUL or control character, or a truncated archive ends the reading with a
 * {@link BackupFormatException}. Names are returned as found: callers check them against what they expect.
 */
public final class TarReader {

    /** The longest member name or link target accepted, in bytes. */
    public static final int MAX_NAME_BYTES = 4096;
    private static final int MAX_PAX_BYTES = 64 * 1024;
    private static final int BLOCK = TarWriter.BLOCK;

    private final InputStream in;
    private final String what;
    private long remaining;
    /** Whether the current member's bytes are its data: only a file's; a directory's or link's are only skipped. */
    private boolean isData;
    private long padding;
    private long offset;

    /**
     * @param what the archive, as messages name it ("the backup", "vm1/home")
     */
    public TarReader(InputStream in, String what) {
        this.in = in;
        this.what = what;
    }

    /** How far into the archive the reader is, in bytes. */
    public long offset() {
        return offset;
    }

    /**
     * The next member, after skipping what is left of the current one; {@code null} at the end of the stream.
     */
    public TarEntry next() throws IOException {
        skipRest();
        String paxPath = null;
        String paxLink = null;
        Long paxSize = null;
        Long paxMtime = null;
        Integer paxUid = null;
        Integer paxGid = null;
        byte[] h = new byte[BLOCK];
        while (true) {
            if (!readBlock(h)) {
                if (paxPath != null || paxSize != null || paxLink != null) {
                    throw truncated();
                }
                return null;
            }
            if (isZero(h)) {
                continue;
            }
            checkSum(h);
            char type = (char) h[156];
            long size = number(h, 124, 12, "size");
            if (type == 'x' || type == 'g') {
                if (size > MAX_PAX_BYTES) {
                    throw new BackupFormatException(what + ": a pax header of " + size + " bytes is over the limit");
                }
                byte[] records = new byte[(int) size];
                readFully(records);
                skipPadding(size);
                if (type == 'g') {
                    continue;
                }
                for (String[] kv : paxRecords(records)) {
                    switch (kv[0]) {
                        case "path" -> paxPath = checkName(kv[1]);
                        case "linkpath" -> paxLink = checkName(kv[1]);
                        case "size" -> paxSize = decimal(kv[1], "size");
                        case "mtime" -> paxMtime = decimal(kv[1].split("\\.", 2)[0], "mtime");
                        case "uid" -> paxUid = (int) Math.min(decimal(kv[1], "uid"), Integer.MAX_VALUE);
                        case "gid" -> paxGid = (int) Math.min(decimal(kv[1], "gid"), Integer.MAX_VALUE);
                        default -> {
                        }
                    }
                }
                continue;
            }
            TarEntry.Type t = switch (type) {
                case '0', '\0', '7' -> TarEntry.Type.FILE;
                case '5' -> TarEntry.Type.DIRECTORY;
                case '2' -> TarEntry.Type.SYMLINK;
                default -> throw new BackupFormatException(what + ": a member of type '" + printable(type)
                        + "' is not accepted (only files, directories and symbolic links)");
            };
            String name = paxPath != null ? paxPath : ustarName(h);
            if (t == TarEntry.Type.FILE && name.endsWith("/")) {
                throw new BackupFormatException(what + ": file member " + name + " ends with '/'");
            }
            while (name.endsWith("/")) {
                name = name.substring(0, name.length() - 1);
            }
            if (paxSize != null) {
                size = paxSize;
            }
            long dataSize = t == TarEntry.Type.FILE ? size : 0;
            String link = t == TarEntry.Type.SYMLINK ? (paxLink != null ? paxLink : field(h, 157, 100)) : null;
            int mode = (int) (number(h, 100, 8, "mode") & 07777);
            int uid = paxUid != null ? paxUid : (int) Math.min(number(h, 108, 8, "uid"), Integer.MAX_VALUE);
            int gid = paxGid != null ? paxGid : (int) Math.min(number(h, 116, 8, "gid"), Integer.MAX_VALUE);
            long mtime = paxMtime != null ? paxMtime : number(h, 136, 12, "mtime");
            // A directory's or link's declared size is data to skip too.
            remaining = size;
            isData = t == TarEntry.Type.FILE;
            padding = (BLOCK - size % BLOCK) % BLOCK;
            return new TarEntry(name, t, mode, uid, gid, dataSize, mtime, link);
        }
    }

    /** Reads data of the current member; -1 at its end. */
    public int read(byte[] b, int off, int len) throws IOException {
        if (remaining == 0 || !isData) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
            throw truncated();
        }
        remaining -= n;
        offset += n;
        return n;
    }

    /** The current member's data as a stream that ends with it. */
    public InputStream data() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return TarReader.this.read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return TarReader.this.read(b, off, len);
            }
        };
    }

    private void skipRest() throws IOException {
        byte[] buf = new byte[8192];
        while (remaining > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, remaining));
            if (n < 0) {
                throw truncated();
            }
            remaining -= n;
            offset += n;
        }
        readFully(new byte[(int) padding]);
        padding = 0;
    }

    private void skipPadding(long dataSize) throws IOException {
        readFully(new byte[(int) ((BLOCK - dataSize % BLOCK) % BLOCK)]);
    }

    private boolean readBlock(byte[] h) throws IOException {
        int n = in.readNBytes(h, 0, BLOCK);
        offset += n;
        if (n == 0) {
            return false;
        }
        if (n < BLOCK) {
            throw truncated();
        }
        return true;
    }

    private void readFully(byte[] b) throws IOException {
        int n = in.readNBytes(b, 0, b.length);
        offset += n;
        if (n < b.length) {
            throw truncated();
        }
    }

    private BackupFormatException truncated() {
        return new BackupFormatException(what + " is truncated (it ends inside a member)");
    }

    private static boolean isZero(byte[] h) {
        for (byte b : h) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private void checkSum(byte[] h) throws BackupFormatException {
        long stored = number(h, 148, 8, "checksum");
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int v = i >= 148 && i < 156 ? ' ' : h[i];
            unsigned += v & 0xff;
            signed += i >= 148 && i < 156 ? ' ' : h[i];
        }
        if (stored != unsigned && stored != signed) {
            throw new BackupFormatException(what + " is not a tar archive, or is corrupt, at byte " + (offset - BLOCK)
                    + " (header checksum mismatch)");
        }
    }

    private long number(byte[] h, int at, int width, String field) throws BackupFormatException {
        long v = 0;
        int i = at;
        int end = at + width;
        while (i < end && (h[i] == ' ' || h[i] == 0)) {
            i++;
        }
        boolean any = false;
        for (; i < end && h[i] >= '0' && h[i] <= '7'; i++) {
            v = v * 8 + (h[i] - '0');
            any = true;
        }
        for (; i < end; i++) {
            if (h[i] != ' ' && h[i] != 0) {
                throw new BackupFormatException(what + ": header field " + field + " is not an octal number");
            }
        }
        return any ? v : 0;
    }

    private long decimal(String s, String field) throws BackupFormatException {
        if (s.isEmpty() || s.length() > 18 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new BackupFormatException(what + ": pax " + field + " is not a decimal number");
        }
        return Long.parseLong(s);
    }

    private String ustarName(byte[] h) throws BackupFormatException {
        String name = field(h, 0, 100);
        String prefix = field(h, 345, 155);
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private String field(byte[] h, int at, int width) throws BackupFormatException {
        int end = at;
        while (end < at + width && h[end] != 0) {
            end++;
        }
        return checkName(utf8(Arrays.copyOfRange(h, at, end)));
    }

    private String checkName(String s) throws BackupFormatException {
        if (s.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new BackupFormatException(what + ": a member name is over " + MAX_NAME_BYTES + " bytes");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new BackupFormatException(what + ": a member name holds a control character or NUL");
            }
        }
        return s;
    }

    private String utf8(byte[] b) throws BackupFormatException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new BackupFormatException(what + ": a member name is not UTF-8");
        }
    }

    private java.util.List<String[]> paxRecords(byte[] r) throws BackupFormatException {
        java.util.List<String[]> out = new java.util.ArrayList<>();
        int at = 0;
        while (at < r.length) {
            if (r[at] == 0) {
                break;
            }
            int space = at;
            while (space < r.length && r[space] != ' ') {
                space++;
            }
            long length = decimal(new String(r, at, space - at, StandardCharsets.US_ASCII), "record length");
            if (space >= r.length || length <= space - at + 1 || at + length > r.length || r[(int) (at + length - 1)] != '\n') {
                throw new BackupFormatException(what + ": a pax header is malformed");
            }
            String record = utf8(Arrays.copyOfRange(r, space + 1, (int) (at + length - 1)));
            int eq = record.indexOf('=');
            if (eq <= 0) {
                throw new BackupFormatException(what + ": a pax record has no key");
            }
            out.add(new String[] {record.substring(0, eq), record.substring(eq + 1)});
            at += (int) length;
        }
        return out;
    }

    private static String printable(char c) {
        return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c);
    }
}
