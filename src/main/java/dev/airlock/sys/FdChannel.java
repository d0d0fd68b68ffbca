package dev.airlock.sys;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;

/**
 * A blocking channel over a file descriptor it owns, for descriptors that {@code java.nio} cannot create, such as a
 * pipe with a larger buffer. Direct buffers only (system calls cannot take heap memory). Meant for one thread at a
 * time: unlike the JDK's channels, closing it does not wake a thread blocked in {@code read} or {@code write} on it.
 */
public final class FdChannel implements ByteChannel {
    private final int fd;
    private boolean open = true;

    public FdChannel(int fd) {
        this.fd = fd;
    }

    /** Reads at most {@code dst.remaining()} bytes with one {@code read(2)}; -1 at end of input. */
    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        if (!dst.hasRemaining()) {
            return 0;
        }
        int n = (int) Posix.read(fd, MemorySegment.ofBuffer(dst));
        dst.position(dst.position() + n);
        return n == 0 ? -1 : n;
    }

    /** Writes all of {@code src}. */
    @Override
    public int write(ByteBuffer src) throws IOException {
        ensureOpen();
        int n = src.remaining();
        Posix.writeFully(fd, MemorySegment.ofBuffer(src));
        src.position(src.position() + n);
        return n;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!open) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() throws IOException {
        if (open) {
            open = false;
            Posix.close(fd);
        }
    }
}
