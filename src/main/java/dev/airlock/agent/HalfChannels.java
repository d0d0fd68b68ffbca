package dev.airlock.agent;

import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * One direction of a call's connection as a channel of its own, for code that closes its input or output when done
 * (the packer, the unpacker): closing ends that direction only, so the other keeps flowing (the service's exit code
 * after the caller's end of input, for one).
 */
final class HalfChannels {
    private HalfChannels() {
    }

    /** The reading side of {@code s}; closing it ends the input (the peer's further writes fail). */
    static ReadableByteChannel input(UnixSocket s) {
        final class Input extends Half implements ReadableByteChannel {
            Input() {
                super(s, s::shutdownInput);
            }

            @Override
            public int read(ByteBuffer dst) throws IOException {
                return s.read(dst);
            }
        }
        return new Input();
    }

    /** The writing side of {@code s}; closing it is the end of input the peer reads. */
    static WritableByteChannel output(UnixSocket s) {
        final class Output extends Half implements WritableByteChannel {
            Output() {
                super(s, s::shutdownOutput);
            }

            @Override
            public int write(ByteBuffer src) throws IOException {
                return s.write(src);
            }
        }
        return new Output();
    }

    /** Ends its direction once, on the first close; open while that has not happened and the socket is open. */
    private abstract static class Half implements Channel {
        private final UnixSocket socket;
        private final End end;
        private volatile boolean open = true;

        Half(UnixSocket socket, End end) {
            this.socket = socket;
            this.end = end;
        }

        @Override
        public boolean isOpen() {
            return open && socket.isOpen();
        }

        @Override
        public void close() throws IOException {
            if (open) {
                open = false;
                end.run();
            }
        }
    }

    /** A shutdown of one direction. */
    @FunctionalInterface
    private interface End {
        void run() throws IOException;
    }
}
