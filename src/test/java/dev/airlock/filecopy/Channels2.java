package dev.airlock.filecopy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** In-memory channels for driving the packer and unpacker without pipes. */
final class Channels2 {
    private Channels2() {
    }

    /** Collects everything written; {@link #closed} trips when the writer closes it. */
    static final class Capture implements WritableByteChannel {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public synchronized int write(ByteBuffer src) {
            int n = src.remaining();
            byte[] b = new byte[n];
            src.get(b);
            bytes.write(b, 0, n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return closed.getCount() > 0;
        }

        @Override
        public void close() {
            closed.countDown();
        }

        synchronized byte[] toByteArray() {
            return bytes.toByteArray();
        }
    }

    /** Serves {@code data} only after {@code gate} opens, as a receiver answers only after the end of a stream. */
    static ReadableByteChannel after(CountDownLatch gate, byte[] data) {
        return new ReadableByteChannel() {
            private final ByteBuffer buf = ByteBuffer.wrap(data);

            @Override
            public int read(ByteBuffer dst) {
                try {
                    if (!gate.await(30, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the stream was never closed");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
                if (!buf.hasRemaining()) {
                    return -1;
                }
                int n = Math.min(dst.remaining(), buf.remaining());
                dst.put(buf.slice(buf.position(), n));
                buf.position(buf.position() + n);
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
    }
}
