package dev.airlock.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A listening Unix stream socket whose connections are {@link UnixSocket}s refusing descriptors, so that a
 * process on the other side can be handed descriptors but never hand one in. Closing it from another thread
 * wakes a thread blocked in {@link #accept()}.
 */
public final class UnixListener implements AutoCloseable {
    private static final int BACKLOG = 64;
    private final SharedFd fd;

    private UnixListener(int fd) {
        this.fd = new SharedFd(fd);
    }

    /** Binds a new socket file {@code path} and listens on it. */
    public static UnixListener bind(Path path) throws IOException {
        int s = Sockets.socket();
        try {
            Sockets.bind(s, path.toString().getBytes(StandardCharsets.UTF_8));
            Sockets.listen(s, BACKLOG);
        } catch (ErrnoException e) {
            Posix.closeQuietly(s);
            throw new IOException("cannot listen on " + path + ": " + Errno.describe(e.errno()), e);
        }
        return new UnixListener(s);
    }

    /** The next connection; fails once the listener is closed. */
    public UnixSocket accept() throws IOException {
        int f = fd.acquire();
        try {
            return UnixSocket.adopt(Sockets.accept(f), UnixSocket.Descriptors.REFUSE);
        } finally {
            fd.release();
        }
    }

    public boolean isOpen() {
        return fd.isOpen();
    }

    @Override
    public void close() {
        fd.close();
    }
}
