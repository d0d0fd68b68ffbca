package dev.airlock.broker;

import dev.airlock.sys.Errno;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Fd;
import dev.airlock.sys.Posix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The exclusive lock a broker holds on {@code run/broker.lock} from before it touches anything in its home until it
 * has stopped: a second broker starting at the same time would otherwise destroy the first's disposables, delete its
 * pendrive images and take over its domains' sockets before either had bound the admin socket. An {@code flock}
 * belongs to the open file, so the kernel drops it when a broker dies, and a second open conflicts even in the same
 * process.
 */
final class BrokerLock implements AutoCloseable {
    private final Fd fd;

    private BrokerLock(Fd fd) {
        this.fd = fd;
    }

    /** Takes the lock on {@code file} (created if need be), or returns empty while another holder has it. */
    static Optional<BrokerLock> tryTake(Path file) throws IOException {
        Fd fd = Fd.CWD.open(file.toString().getBytes(StandardCharsets.UTF_8),
                Posix.O_RDWR | Posix.O_CREAT | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0600);
        try {
            fd.lock(Posix.LOCK_EX | Posix.LOCK_NB);
            return Optional.of(new BrokerLock(fd));
        } catch (ErrnoException e) {
            fd.close();
            if (e.errno() == Errno.EAGAIN) {
                return Optional.empty();
            }
            throw new IOException("cannot lock " + file + ": " + Errno.describe(e.errno()), e);
        }
    }

    /** Releases the lock. */
    @Override
    public void close() {
        fd.close();
    }
}
