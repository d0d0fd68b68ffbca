package dev.airlock.qrexec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * One of the service's output streams (stdout or stderr) as a channel: what is written goes out in data frames of at
 * most 64 KiB. Closing sends the stream's EOF. Streams of one connection share {@code lock}, so frames never interleave.
 */
public final class FrameOutput implements WritableByteChannel {
    private final WritableByteChannel out;
    private final DataStream stream;
    private final Object lock;
    private boolean open = true;

    public FrameOutput(WritableByteChannel out, DataStream stream, Object lock) {
        this.out = out;
        this.stream = stream;
        this.lock = lock;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int n = Math.min(src.remaining(), Wire.MAX_LENGTH);
        if (n == 0) {
            // An empty frame would be read as EOF.
            return 0;
        }
        byte[] chunk = new byte[n];
        src.get(chunk);
        send(new Message.Data(stream, chunk));
        return n;
    }

    public void send(Message m) throws IOException {
        synchronized (lock) {
            if (!open) {
                throw new IOException(stream + " is closed");
            }
            MessageEncoder.write(m, out);
        }
    }

    @Override
    public boolean isOpen() {
        synchronized (lock) {
            return open;
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (lock) {
            if (open) {
                MessageEncoder.write(Message.Data.eof(stream), out);
                open = false;
            }
        }
    }
}
