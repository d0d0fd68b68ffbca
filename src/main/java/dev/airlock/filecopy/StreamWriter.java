package dev.airlock.filecopy;

import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Fd;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Writes a file-copy stream through one direct buffer: headers, names and file contents are gathered so that
 * small files cost one write for many, and file contents are read straight into the buffer. Keeps the CRC-32 of
 * every byte sent, to compare with the receiver's.
 */
final class StreamWriter {
    /** The receiver stopped reading (its end of the channel is closed). */
    static final class ReceiverGoneException extends IOException {
        private static final long serialVersionUID = 1L;

        ReceiverGoneException(IOException cause) {
            super("the receiver stopped reading", cause);
        }
    }

    private static final int BUFFER = 1 << 20;

    private final WritableByteChannel out;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
    private final MemorySegment seg = MemorySegment.ofBuffer(buf);
    private final MemorySegment probe = Arena.ofAuto().allocate(1);
    private final CRC32 crc = new CRC32();
    private final Sent progress;
    private long contentBytes;

    /** Told the bytes of content sent so far, after each chunk; may stop the copy by throwing. */
    interface Sent {
        void bytes(long contentBytes) throws IOException;
    }

    StreamWriter(WritableByteChannel out, Sent progress) {
        this.out = out;
        this.progress = progress;
    }

    long crc() {
        return crc.getValue();
    }

    private void ensure(int n) throws IOException {
        if (buf.remaining() < n) {
            flush();
        }
    }

    private void checksum(int from) {
        crc.update(buf.slice(from, buf.position() - from));
    }

    /** A header and its name ({@code h.namelen()} must be {@code name.length + 1}: the NUL is added here). */
    void entry(FileHeader h, byte[] name) throws IOException {
        assert h.namelen() == name.length + 1L;
        ensure(FileHeader.SIZE + name.length + 1);
        int start = buf.position();
        h.encode(buf);
        buf.put(name).put((byte) 0);
        checksum(start);
    }

    /** A symlink target. */
    void bytes(byte[] data) throws IOException {
        ensure(data.length);
        int start = buf.position();
        buf.put(data);
        checksum(start);
    }

    /**
     * The content of the open file {@code file}: exactly {@code size} bytes. A file that shrinks or grows while it is
     * read is an error, and its last chunk is then never sent, so the receiver sees a body that ends early and keeps
     * nothing of it.
     */
    void fileContent(Fd file, long size, String shownName) throws IOException {
        long left = size;
        // The last read asks for one byte more than is left, when the buffer has room for it: a file that grew
        // then says so in the same read, which spares most files the separate read that probes for growth.
        boolean endSeen = false;
        while (left > 0) {
            if (!buf.hasRemaining()) {
                flush();
            }
            int pos = buf.position();
            long want = Math.min(left + 1, buf.remaining());
            long n;
            try {
                n = file.read(seg.asSlice(pos, want));
            } catch (ErrnoException e) {
                throw new TransferException("cannot read \"" + shownName + "\": " + e.getMessage(), e);
            }
            if (n == 0) {
                throw changed(shownName, "shrank");
            }
            if (n > left) {
                throw changed(shownName, "grew");
            }
            endSeen = want > left && n == left;
            buf.position(pos + (int) n);
            checksum(pos);
            left -= n;
            contentBytes += n;
            progress.bytes(contentBytes);
        }
        if (endSeen) {
            return;
        }
        try {
            if (file.read(probe) > 0) {
                throw changed(shownName, "grew");
            }
        } catch (ErrnoException e) {
            throw new TransferException("cannot read \"" + shownName + "\": " + e.getMessage(), e);
        }
    }

    private static TransferException changed(String name, String how) {
        return new TransferException("\"" + name + "\" " + how + " while it was being sent; the copy was stopped"
                + " and the receiver keeps nothing of that file");
    }

    /** The end marker (a header of zeros, no name), and everything still buffered. */
    void end() throws IOException {
        ensure(FileHeader.SIZE);
        int start = buf.position();
        FileHeader.END.encode(buf);
        checksum(start);
        flush();
    }

    void flush() throws IOException {
        buf.flip();
        try {
            while (buf.hasRemaining()) {
                out.write(buf);
            }
        } catch (IOException e) {
            throw new ReceiverGoneException(e);
        } finally {
            buf.clear();
        }
    }

    static String text(byte[] name) {
        return new String(name, StandardCharsets.UTF_8);
    }
}
