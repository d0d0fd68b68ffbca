package dev.airlock.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A connected Unix stream socket over a raw descriptor, for what Java's socket channels cannot do: pass a
 * descriptor to the peer ({@code SCM_RIGHTS}) and receive one. Every read is a {@code recvmsg}, so descriptors
 * that a peer attaches never go unnoticed: a socket that {@linkplain Descriptors#REFUSE refuses} them closes them
 * and fails, and one that {@linkplain Descriptors#ACCEPT_ONE accepts} them keeps at most one, which must be a Unix
 * stream socket.
 *
 * <p>Blocking, and a native call that blocks holds its carrier thread: use platform threads for these sockets.
 * One reader and one writer may work at the same time; any thread may close, which wakes both.
 */
public final class UnixSocket implements ByteChannel {
    /** What a socket does with descriptors that come with the peer's bytes. */
    public enum Descriptors {
        /** Any descriptor (or other ancillary data) closes what came and fails the socket for good. */
        REFUSE,
        /**
         * At most one for the connection's whole life, a Unix stream socket, held until {@link #takeDescriptor()};
         * anything else, and any descriptor after it (taken or not), fails.
         */
        ACCEPT_ONE
    }

    /** Room for more than one, so that a second descriptor is seen (and closed) rather than dropped unseen. */
    private static final int DESCRIPTOR_ROOM = 4;
    /** Heap buffers go through native memory in pieces of this size. */
    private static final int SCRATCH = 64 * 1024;

    private final SharedFd fd;
    private final Descriptors policy;
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    private MemorySegment readScratch;
    private MemorySegment writeScratch;
    private int pending = -1;
    /** Whether a descriptor was ever admitted: {@link Descriptors#ACCEPT_ONE} takes one per connection. */
    private boolean admitted;
    private IOException failure;

    private UnixSocket(int fd, Descriptors policy) {
        this.fd = new SharedFd(fd);
        this.policy = policy;
    }

    /** Takes ownership of the connected socket {@code fd}. */
    static UnixSocket adopt(int fd, Descriptors policy) {
        return new UnixSocket(fd, policy);
    }

    /** Connects to the socket file {@code path}. */
    public static UnixSocket connect(Path path, Descriptors policy) throws IOException {
        int s = Posix.socket();
        try {
            Posix.connect(s, path.toString().getBytes(StandardCharsets.UTF_8));
        } catch (ErrnoException e) {
            Posix.closeQuietly(s);
            throw new IOException("cannot connect to " + path + ": " + Errno.describe(e.errno()), e);
        }
        return new UnixSocket(s, policy);
    }

    /**
     * Connects to the socket file that the {@code O_PATH} descriptor {@code pathFd} holds, refusing descriptors: a
     * socket checked through a descriptor is connected to without looking its name up again (through the
     * descriptor's {@code /proc/self/fd} link), so a name swapped meanwhile changes nothing.
     */
    public static UnixSocket connectTo(int pathFd) throws IOException {
        Path link = Path.of("/proc/self/fd", Integer.toString(pathFd));
        return connect(link, Descriptors.REFUSE);
    }

    /** Who is at the other end ({@code SO_PEERCRED}). */
    public PeerCredentials peer() throws IOException {
        int f = fd.acquire();
        try {
            return Posix.peerCredentials(f);
        } catch (ErrnoException e) {
            throw new IOException("cannot tell the peer of a socket: " + Errno.describe(e.errno()), e);
        } finally {
            fd.release();
        }
    }

    /** Two connected sockets, each refusing descriptors: the two ends of one call. */
    public static UnixSocket[] pair() throws IOException {
        return pair(Descriptors.REFUSE, Descriptors.REFUSE);
    }

    static UnixSocket[] pair(Descriptors first, Descriptors second) throws IOException {
        int[] fds = Posix.socketpair();
        return new UnixSocket[] {new UnixSocket(fds[0], first), new UnixSocket(fds[1], second)};
    }

    SharedFd fd() {
        return fd;
    }

    /** Reads what is there, at most {@code dst.remaining()} bytes; -1 at the end of input. */
    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        synchronized (readLock) {
            if (failure != null) {
                throw failure;
            }
            int n;
            int f = fd.acquire();
            try {
                if (dst.isDirect()) {
                    n = receive(f, MemorySegment.ofBuffer(dst));
                    if (n > 0) {
                        dst.position(dst.position() + n);
                    }
                } else {
                    if (readScratch == null) {
                        readScratch = Arena.ofAuto().allocate(SCRATCH);
                    }
                    n = receive(f, readScratch.asSlice(0, Math.min(dst.remaining(), SCRATCH)));
                    if (n > 0) {
                        dst.put(readScratch.asSlice(0, n).asByteBuffer());
                    }
                }
            } finally {
                fd.release();
            }
            return n == 0 ? -1 : n;
        }
    }

    private int receive(int f, MemorySegment into) throws IOException {
        Posix.Received r = Posix.recvmsg(f, into, DESCRIPTOR_ROOM);
        if (!r.plain()) {
            admit(r);
        }
        return (int) r.count();
    }

    /** Judges the descriptors that came; whatever is not kept is closed, and a refusal fails the socket. */
    private void admit(Posix.Received r) throws IOException {
        int[] fds = r.descriptors();
        String refusal = null;
        if (policy == Descriptors.REFUSE) {
            refusal = "the peer sent a descriptor where none is accepted";
        } else if (r.truncated() || r.foreign()) {
            refusal = "the peer sent ancillary data that is not one descriptor";
        } else if (fds.length != 1 || admitted) {
            refusal = "the peer sent more than one descriptor";
        } else {
            refusal = streamSocketProblem(fds[0]);
        }
        if (refusal == null) {
            pending = fds[0];
            admitted = true;
            return;
        }
        for (int d : fds) {
            Posix.closeQuietly(d);
        }
        Posix.closeQuietly(pending);
        pending = -1;
        failure = new DescriptorRefusedException(refusal);
        throw failure;
    }

    /** Null when {@code d} is a connected Unix stream socket, else what it is instead. */
    private static String streamSocketProblem(int d) {
        try {
            if (!Posix.fstat(d).isSocket()) {
                return "the peer sent a descriptor that is not a socket";
            }
            if (Posix.getsockopt(d, Posix.SOL_SOCKET, Posix.SO_DOMAIN) != Posix.AF_UNIX
                    || Posix.getsockopt(d, Posix.SOL_SOCKET, Posix.SO_TYPE) != Posix.SOCK_STREAM) {
                return "the peer sent a socket that is not a Unix stream socket";
            }
            return null;
        } catch (ErrnoException e) {
            return "the peer sent a descriptor that cannot be examined: " + e.getMessage();
        }
    }

    /**
     * The descriptor that came with the bytes read so far, as a socket that refuses descriptors of its own; the
     * caller owns it.
     *
     * @throws IOException when none came
     */
    public UnixSocket takeDescriptor() throws IOException {
        synchronized (readLock) {
            if (pending < 0) {
                throw new IOException("the peer sent no descriptor");
            }
            UnixSocket s = new UnixSocket(pending, Descriptors.REFUSE);
            pending = -1;
            return s;
        }
    }

    /** Writes all of {@code src}. */
    @Override
    public int write(ByteBuffer src) throws IOException {
        int total = src.remaining();
        synchronized (writeLock) {
            int f = fd.acquire();
            try {
                if (src.isDirect()) {
                    MemorySegment seg = MemorySegment.ofBuffer(src);
                    for (long off = 0; off < seg.byteSize(); ) {
                        off += Posix.send(f, seg.asSlice(off));
                    }
                    src.position(src.limit());
                } else {
                    if (writeScratch == null) {
                        writeScratch = Arena.ofAuto().allocate(SCRATCH);
                    }
                    while (src.hasRemaining()) {
                        int n = Math.min(src.remaining(), SCRATCH);
                        MemorySegment piece = writeScratch.asSlice(0, n);
                        piece.asByteBuffer().put(src.slice(src.position(), n));
                        for (long off = 0; off < n; ) {
                            off += Posix.send(f, piece.asSlice(off));
                        }
                        src.position(src.position() + n);
                    }
                }
            } finally {
                fd.release();
            }
        }
        return total;
    }

    /**
     * Writes all of {@code message} with {@code passed}'s descriptor attached; the peer gets a copy of it, and
     * {@code passed} stays open here until its owner closes it.
     */
    public void sendWithDescriptor(ByteBuffer message, UnixSocket passed) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(message.remaining());
            m.asByteBuffer().put(message);
            synchronized (writeLock) {
                int f = fd.acquire();
                try {
                    int p = passed.fd.acquire();
                    try {
                        Posix.sendWithDescriptors(f, m, p);
                    } finally {
                        passed.fd.release();
                    }
                } finally {
                    fd.release();
                }
            }
        }
    }

    /** Ends this side's output: the peer reads the end of input once it has read what was sent. */
    public void shutdownOutput() throws IOException {
        shutdown(Posix.SHUT_WR);
    }

    /** Ends this side's input: a blocked read returns the end of input, and the peer's writes fail. */
    public void shutdownInput() throws IOException {
        shutdown(Posix.SHUT_RD);
    }

    private void shutdown(int how) throws IOException {
        int f = fd.acquire();
        try {
            Posix.shutdown(f, how);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOTCONN) {
                throw e;
            }
        } finally {
            fd.release();
        }
    }

    /**
     * Blocks until both directions of this connection are shut: the peer has closed its end (its process may have
     * died), or this side was {@linkplain #close closed} or shut both ways. A peer's half-close
     * ({@code shutdown(SHUT_WR)} after its input) does not count, nor does data waiting to be read: only
     * {@code POLLHUP}, or the error that a peer closing with unread data leaves. Reads nothing.
     *
     * @throws ClosedChannelException when this side was already closed
     */
    public void awaitHangUp() throws IOException {
        int f = fd.acquire();
        try {
            Posix.pollOne(f, 0);
        } finally {
            fd.release();
        }
    }

    /**
     * Asks for socket buffers of {@code bytes} each way; as root beyond the system's limit
     * ({@code SO_SNDBUFFORCE}), else up to it.
     */
    public void setBufferSizes(int bytes) throws IOException {
        int f = fd.acquire();
        try {
            try {
                Posix.setsockopt(f, Posix.SOL_SOCKET, Posix.SO_SNDBUFFORCE, bytes);
                Posix.setsockopt(f, Posix.SOL_SOCKET, Posix.SO_RCVBUFFORCE, bytes);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EPERM) {
                    throw e;
                }
                Posix.setsockopt(f, Posix.SOL_SOCKET, Posix.SO_SNDBUF, bytes);
                Posix.setsockopt(f, Posix.SOL_SOCKET, Posix.SO_RCVBUF, bytes);
            }
        } finally {
            fd.release();
        }
    }

    @Override
    public boolean isOpen() {
        return fd.isOpen();
    }

    /** Closes the socket, and a descriptor that came but was not taken; wakes a thread blocked on it. */
    @Override
    public void close() {
        fd.close();
        synchronized (readLock) {
            Posix.closeQuietly(pending);
            pending = -1;
        }
    }
}
