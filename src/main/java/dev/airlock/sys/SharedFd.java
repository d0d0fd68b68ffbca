package dev.airlock.sys;

import java.nio.channels.ClosedChannelException;

/**
 * A descriptor that several threads use and any of them may close. A close while another thread is blocked in a
 * call on it shuts the socket down instead (which wakes that thread), and the number is given back only when the
 * last call has left: closing a number under a blocked thread would let a new descriptor take it, and the blocked
 * thread's next call would then touch someone else's file.
 */
final class SharedFd {
    private final int fd;
    private int users;
    private boolean closing;

    SharedFd(int fd) {
        this.fd = fd;
    }

    /** The descriptor, held until {@link #release}; closed channels refuse. */
    synchronized int acquire() throws ClosedChannelException {
        if (closing) {
            throw new ClosedChannelException();
        }
        users++;
        return fd;
    }

    void release() {
        boolean last;
        synchronized (this) {
            users--;
            last = closing && users == 0;
        }
        if (last) {
            Posix.closeQuietly(fd);
        }
    }

    synchronized boolean isOpen() {
        return !closing;
    }

    /** Closes now, or wakes the users and lets the last one close. */
    void close() {
        boolean busy;
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
            busy = users > 0;
            if (busy) {
                try {
                    Sockets.shutdown(fd, Sockets.SHUT_RDWR);
                } catch (ErrnoException e) {
                    // Not connected (any more): nothing is blocked on its traffic then.
                }
            }
        }
        if (!busy) {
            Posix.closeQuietly(fd);
        }
    }
}
