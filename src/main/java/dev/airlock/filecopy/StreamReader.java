package dev.airlock.filecopy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.zip.CRC32;

/**
 * Reads the parts of a file-copy stream from a channel through one direct buffer, and keeps the CRC-32 of every
 * byte it hands out (the reply's checksum). It reads only what the caller asks for plus whatever one
 * {@code read} returns, never past the end of input, so bytes after the end marker are simply never consumed.
 */
final class StreamReader {
    /** Receives body bytes; the buffer is valid only during the call. */
    interface BodySink {
        void accept(ByteBuffer chunk) throws IOException;
    }

    private final ReadableByteChannel in;
    private final ByteBuffer buf;
    private final CRC32 crc = new CRC32();

    StreamReader(ReadableByteChannel in, int bufferSize) {
        this.in = in;
        this.buf = ByteBuffer.allocateDirect(bufferSize).flip();
    }

    long crc() {
        return crc.getValue();
    }

    /** Makes at least {@code n} bytes available, or throws when the input ends first. */
    private void ensure(int n) throws IOException {
        if (buf.remaining() >= n) {
            return;
        }
        buf.compact();
        try {
            while (buf.position() < n) {
                if (in.read(buf) < 0) {
                    throw new StreamTruncatedException();
                }
            }
        } finally {
            buf.flip();
        }
    }

    FileHeader readHeader() throws IOException {
        ensure(FileHeader.SIZE);
        crc.update(buf.slice(buf.position(), FileHeader.SIZE));
        return FileHeader.decode(buf);
    }

    /** Reads exactly {@code n} bytes (a name or a link target; callers bound {@code n}). */
    byte[] readBytes(int n) throws IOException {
        byte[] out = new byte[n];
        int done = 0;
        while (done < n) {
            if (!buf.hasRemaining()) {
                refill();
            }
            int take = Math.min(n - done, buf.remaining());
            buf.get(out, done, take);
            done += take;
        }
        crc.update(out);
        return out;
    }

    /** Hands the next {@code n} bytes to {@code sink} in chunks. */
    void copyBody(long n, BodySink sink) throws IOException {
        long left = n;
        while (left > 0) {
            if (!buf.hasRemaining()) {
                refill();
            }
            int take = (int) Math.min(left, buf.remaining());
            ByteBuffer chunk = buf.slice(buf.position(), take);
            crc.update(chunk.duplicate());
            sink.accept(chunk);
            buf.position(buf.position() + take);
            left -= take;
        }
    }

    private void refill() throws IOException {
        buf.clear();
        int r;
        do {
            r = in.read(buf);
        } while (r == 0);
        buf.flip();
        if (r < 0) {
            throw new StreamTruncatedException();
        }
    }
}
