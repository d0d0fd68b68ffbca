package dev.airlock.agent;

import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.nio.ByteBuffer;
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
        return new ReadableByteChannel() {
            private volatile boolean open = true;

            @Override
            public int read(ByteBuffer dst) throws IOException {
                return s.read(dst);
            }

            @Override
            public boolean isOpen() {
                return open && s.isOpen();
            }

            @Override
            public void close() throws IOException {
                if (open) {
                    open = false;
                    s.shutdownInput();
                }
            }
        };
    }

    /** The writing side of {@code s}; closing it is the end of input the peer reads. */
    static WritableByteChannel output(UnixSocket s) {
        return new WritableByteChannel() {
            private volatile boolean open = true;

            @Override
            public int write(ByteBuffer src) throws IOException {
                return s.write(src);
            }

            @Override
            public boolean isOpen() {
                return open && s.isOpen();
            }

            @Override
            public void close() throws IOException {
                if (open) {
                    open = false;
                    s.shutdownOutput();
                }
            }
        };
    }
}
