package dev.airlock.qrexec;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/** Input that arrives at most {@code chunk} bytes a read, as from a socket; counts the reads asked of it. */
final class ChunkedChannel implements ReadableByteChannel {
    private final ByteBuffer data;
    private final int chunk;
    private int reads;

    ChunkedChannel(byte[] data, int chunk) {
        this.data = ByteBuffer.wrap(data);
        this.chunk = chunk;
    }

    @Override
    public int read(ByteBuffer dst) {
        reads++;
        if (!data.hasRemaining()) {
            return -1;
        }
        int n = Math.min(chunk, Math.min(dst.remaining(), data.remaining()));
        dst.put(dst.position(), data, data.position(), n);
        dst.position(dst.position() + n);
        data.position(data.position() + n);
        return n;
    }

    int reads() {
        return reads;
    }

    /** Bytes handed out so far. */
    int consumed() {
        return data.position();
    }

    int remaining() {
        return data.remaining();
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
