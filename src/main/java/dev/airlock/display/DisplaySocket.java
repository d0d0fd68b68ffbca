package dev.airlock.display;

import dev.airlock.sandbox.DomainDisplay;
import dev.airlock.sys.Errno;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.PeerCredentials;
import dev.airlock.sys.Posix;
import dev.airlock.sys.Stat;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Connects the broker to a domain's display server without trusting the path: the domain writes its display folder
 * and can put a symlink to another domain's socket (or a FIFO, or a file) where its socket was, which would attach
 * the person's desktop to that other domain's session under this domain's name and colour.
 *
 * <p>So the host-owned folder {@code run/domains/NAME} is opened by descriptor, its {@code display} folder below it
 * without following links, and the socket name with {@code O_PATH|O_NOFOLLOW}; what that descriptor holds must be a
 * socket owned by the domain's host user (as root), and the broker connects through the descriptor, so a rename
 * meanwhile changes nothing. Then the peer's credentials: the listening process must live in this domain's PID
 * namespace, which holds as root and as a plain user alike.
 *
 * @param domainRun the host-owned folder {@code run/domains/NAME} of the domain
 * @param owner     the domain's host uid when the broker is root, which must own the socket; empty otherwise (every
 *                  domain then has the broker's own uid)
 * @param sandboxNs the PID namespace of the domain's sandbox ({@code pid:[N]}, as {@code /proc/PID/ns/pid} reads)
 */
record DisplaySocket(Path domainRun, OptionalInt owner, String sandboxNs) {

    /** A connection to the domain's display server, checked as above. */
    UnixSocket connect() throws IOException {
        int run = open(Posix.AT_FDCWD, domainRun.toString(), Posix.O_DIRECTORY);
        try {
            int folder = open(run, "display", Posix.O_DIRECTORY);
            try {
                int socket = open(folder, DomainDisplay.SOCKET, 0);
                try {
                    Stat st = Posix.fstat(socket);
                    if (!st.isSocket()) {
                        throw new RefusedException("its display socket is not a socket (mode "
                                + Integer.toOctalString(st.mode()) + ")");
                    }
                    if (owner.isPresent() && st.uid() != owner.getAsInt()) {
                        throw new RefusedException("its display socket belongs to uid " + st.uid()
                                + ", not the domain's " + owner.getAsInt());
                    }
                    UnixSocket s = UnixSocket.connectTo(socket);
                    try {
                        checkPeer(s.peer());
                        return s;
                    } catch (IOException | RuntimeException e) {
                        s.close();
                        throw e;
                    }
                } finally {
                    Posix.closeQuietly(socket);
                }
            } finally {
                Posix.closeQuietly(folder);
            }
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ELOOP || e.errno() == Errno.ENOTDIR) {
                throw new RefusedException("a link or file stands where its display folder should be");
            }
            throw new IOException("cannot reach its display socket: " + Errno.describe(e.errno()), e);
        } finally {
            Posix.closeQuietly(run);
        }
    }

    private void checkPeer(PeerCredentials peer) throws IOException {
        if (peer.pid() <= 0) {
            throw new RefusedException("its display server's process is not visible from the host");
        }
        if (!sandboxNs.equals(pidNamespace(peer.pid()))) {
            throw new RefusedException("its display socket is served by process " + peer.pid()
                    + ", which is not in its sandbox");
        }
    }

    /** The PID namespace of process {@code pid}, as {@code /proc/PID/ns/pid} names it; empty when it is gone. */
    static String pidNamespace(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "pid")).toString();
        } catch (IOException e) {
            return "";
        }
    }

    private static int open(int dir, String name, int flags) throws ErrnoException {
        return Posix.openat(dir, name.getBytes(StandardCharsets.UTF_8),
                Posix.O_PATH | Posix.O_NOFOLLOW | Posix.O_CLOEXEC | flags, 0);
    }

    /** The socket failed a check: something of the domain's making, not a server that is still starting. */
    static final class RefusedException extends IOException {
        RefusedException(String message) {
            super(message);
        }
    }
}
