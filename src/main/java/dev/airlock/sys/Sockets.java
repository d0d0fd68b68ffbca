package dev.airlock.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Unix stream sockets with descriptor passing ({@code SCM_RIGHTS}), which Java's socket channels cannot do, through
 * the FFM API. Only {@link UnixSocket}, {@link UnixListener} and {@link SharedFd} use it: a raw socket descriptor
 * never leaves this package. Every call throws {@link ErrnoException} on failure.
 */
final class Sockets {
    static final int SOL_SOCKET = 1;
    static final int SO_TYPE = 3;
    private static final int SO_PEERCRED = 17;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_SNDBUFFORCE = 32;
    static final int SO_RCVBUFFORCE = 33;
    static final int SO_DOMAIN = 39;
    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SHUT_RD = 0;
    static final int SHUT_WR = 1;
    static final int SHUT_RDWR = 2;
    /** {@code poll(2)} events: the peer closed both directions, an error is pending. */
    static final int POLLHUP = 0x10;
    static final int POLLERR = 0x8;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_CTRUNC = 0x8;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    /** {@code struct cmsghdr} before its data, and the alignment of its data (both LP64 layouts). */
    private static final int CMSG_HEADER = 16;
    private static final int SUN_PATH_MAX = 108;

    private static final MethodHandle SOCKET = Native.fn("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKETPAIR = Native.fn("socketpair",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle CONNECT = Native.fn("connect",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle BIND = Native.fn("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = Native.fn("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 = Native.fn("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle SHUTDOWN = Native.fn("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SEND = Native.fn("send",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SENDMSG = Native.fn("sendmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVMSG = Native.fn("recvmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = Native.fn("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SETSOCKOPT = Native.fn("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle POLL = Native.fn("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private Sockets() {
    }

    /** A new Unix stream socket, close-on-exec. */
    static int socket() throws ErrnoException {
        return (int) Native.invoke("socket", st -> (int) SOCKET.invokeExact(st, AF_UNIX, SOCK_STREAM | Posix.O_CLOEXEC, 0));
    }

    /** Two connected Unix stream sockets, close-on-exec: {@code {one, other}}. */
    static int[] socketpair() throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            Native.invoke("socketpair", st -> (int) SOCKETPAIR.invokeExact(st, AF_UNIX, SOCK_STREAM | Posix.O_CLOEXEC, 0, fds));
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    /** Connects the Unix socket {@code fd} to the socket file {@code path}. */
    static void connect(int fd, byte[] path) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = sockaddr(a, path);
            Native.invoke("connect", st -> (int) CONNECT.invokeExact(st, fd, addr, (int) addr.byteSize()));
        }
    }

    /** Binds the Unix socket {@code fd} to a new socket file {@code path}. */
    static void bind(int fd, byte[] path) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = sockaddr(a, path);
            Native.invoke("bind", st -> (int) BIND.invokeExact(st, fd, addr, (int) addr.byteSize()));
        }
    }

    /** {@code struct sockaddr_un} for a path; a path the structure cannot hold is refused, not cut short. */
    private static MemorySegment sockaddr(Arena a, byte[] path) throws ErrnoException {
        if (path.length >= SUN_PATH_MAX) {
            throw new ErrnoException("sockaddr_un", Errno.ENAMETOOLONG);
        }
        MemorySegment addr = a.allocate(2L + SUN_PATH_MAX, 2);
        addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(Native.cString(a, path), 0, addr, 2, path.length + 1L);
        return addr;
    }

    static void listen(int fd, int backlog) throws ErrnoException {
        Native.invoke("listen", st -> (int) LISTEN.invokeExact(st, fd, backlog));
    }

    /** The next connection on the listening socket {@code fd}, close-on-exec. Retries on EINTR. */
    static int accept(int fd) throws ErrnoException {
        for (;;) {
            try {
                return (int) Native.invoke("accept4", st -> (int) ACCEPT4.invokeExact(st, fd, MemorySegment.NULL,
                        MemorySegment.NULL, Posix.O_CLOEXEC));
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EINTR) {
                    throw e;
                }
            }
        }
    }

    /** {@code shutdown(fd, how)}: {@link #SHUT_RD}, {@link #SHUT_WR} or {@link #SHUT_RDWR}. */
    static void shutdown(int fd, int how) throws ErrnoException {
        Native.invoke("shutdown", st -> (int) SHUTDOWN.invokeExact(st, fd, how));
    }

    /**
     * One {@code send(2)} of {@code buf} on a socket, without SIGPIPE (a peer that has gone is EPIPE); returns the
     * count. Retries on EINTR.
     */
    static long send(int fd, MemorySegment buf) throws ErrnoException {
        for (;;) {
            try {
                return Native.invoke("send", st -> (long) SEND.invokeExact(st, fd, buf, buf.byteSize(), MSG_NOSIGNAL));
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EINTR) {
                    throw e;
                }
            }
        }
    }

    /**
     * Sends all of {@code buf} on the Unix socket {@code fd} with the descriptors {@code passed} attached to its
     * first byte ({@code SCM_RIGHTS}); the receiver gets its own copies. {@code buf} must not be empty: descriptors
     * travel with data.
     */
    static void sendWithDescriptors(int fd, MemorySegment buf, int... passed) throws ErrnoException {
        if (buf.byteSize() == 0 || passed.length == 0) {
            throw new IllegalArgumentException("descriptors travel with at least one byte");
        }
        long sent;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment iov = a.allocate(16, 8);
            iov.set(ADDRESS, 0, buf);
            iov.set(JAVA_LONG, 8, buf.byteSize());
            MemorySegment control = a.allocate(CMSG_HEADER + align8(4L * passed.length), 8);
            control.set(JAVA_LONG, 0, CMSG_HEADER + 4L * passed.length);
            control.set(JAVA_INT, 8, SOL_SOCKET);
            control.set(JAVA_INT, 12, SCM_RIGHTS);
            for (int i = 0; i < passed.length; i++) {
                control.set(JAVA_INT, CMSG_HEADER + 4L * i, passed[i]);
            }
            MemorySegment msg = a.allocate(56, 8);
            msg.set(ADDRESS, 16, iov);
            msg.set(JAVA_LONG, 24, 1L);
            msg.set(ADDRESS, 32, control);
            msg.set(JAVA_LONG, 40, control.byteSize());
            for (;;) {
                try {
                    sent = Native.invoke("sendmsg", st -> (long) SENDMSG.invokeExact(st, fd, msg, MSG_NOSIGNAL));
                    break;
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EINTR) {
                        throw e;
                    }
                }
            }
        }
        // The descriptors went with the first byte; the rest, if the socket took less, is plain data.
        while (sent < buf.byteSize()) {
            sent += send(fd, buf.asSlice(sent));
        }
    }

    /**
     * What one {@code recvmsg(2)} brought: the byte count (0 at end of input), the descriptors that came with the
     * bytes (already installed in this process, close-on-exec: the receiver must close every one it does not keep),
     * whether the ancillary data was cut short ({@code MSG_CTRUNC}: the kernel dropped what did not fit), and
     * whether ancillary data other than {@code SCM_RIGHTS} came.
     */
    record Received(long count, int[] descriptors, boolean truncated, boolean foreign) {
        Received {
            descriptors = descriptors.clone();
        }

        @Override
        public int[] descriptors() {
            return descriptors.clone();
        }

        /** True when nothing but bytes came. */
        boolean plain() {
            return descriptors.length == 0 && !truncated && !foreign;
        }
    }

    /**
     * One {@code recvmsg(2)} into {@code buf} with room for {@code maxDescriptors} passed descriptors, installed
     * close-on-exec ({@code MSG_CMSG_CLOEXEC}). Retries on EINTR.
     */
    static Received recvmsg(int fd, MemorySegment buf, int maxDescriptors) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment iov = a.allocate(16, 8);
            iov.set(ADDRESS, 0, buf);
            iov.set(JAVA_LONG, 8, buf.byteSize());
            long controlSize = CMSG_HEADER + align8(4L * maxDescriptors);
            MemorySegment control = a.allocate(controlSize, 8);
            MemorySegment msg = a.allocate(56, 8);
            msg.set(ADDRESS, 16, iov);
            msg.set(JAVA_LONG, 24, 1L);
            msg.set(ADDRESS, 32, control);
            msg.set(JAVA_LONG, 40, controlSize);
            long n;
            for (;;) {
                try {
                    n = Native.invoke("recvmsg", st -> (long) RECVMSG.invokeExact(st, fd, msg, MSG_CMSG_CLOEXEC));
                    break;
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EINTR) {
                        throw e;
                    }
                }
            }
            return received(n, msg, control);
        }
    }

    private static Received received(long n, MemorySegment msg, MemorySegment control) {
        boolean truncated = (msg.get(JAVA_INT, 48) & MSG_CTRUNC) != 0;
        long length = Math.min(msg.get(JAVA_LONG, 40), control.byteSize());
        List<Integer> fds = new ArrayList<>();
        boolean foreign = false;
        long pos = 0;
        while (pos + CMSG_HEADER <= length) {
            long cmsgLen = control.get(JAVA_LONG, pos);
            if (cmsgLen < CMSG_HEADER || pos + cmsgLen > length) {
                foreign = true;
                break;
            }
            if (control.get(JAVA_INT, pos + 8) == SOL_SOCKET && control.get(JAVA_INT, pos + 12) == SCM_RIGHTS) {
                for (long off = CMSG_HEADER; off + 4 <= cmsgLen; off += 4) {
                    fds.add(control.get(JAVA_INT, pos + off));
                }
            } else {
                foreign = true;
            }
            pos += align8(cmsgLen);
        }
        return new Received(n, fds.stream().mapToInt(Integer::intValue).toArray(), truncated, foreign);
    }

    private static long align8(long n) {
        return (n + 7) & ~7L;
    }

    /**
     * {@code poll(2)} of one descriptor for {@code events}, blocking without end; returns the events that came
     * ({@link #POLLHUP} and {@link #POLLERR} come whether asked for or not). Retries on EINTR.
     */
    static int pollOne(int fd, int events) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pfd = a.allocate(8, 4);
            pfd.set(JAVA_INT, 0, fd);
            pfd.set(JAVA_SHORT, 4, (short) events);
            for (;;) {
                try {
                    Native.invoke("poll", st -> (int) POLL.invokeExact(st, pfd, 1L, -1));
                    return Short.toUnsignedInt(pfd.get(JAVA_SHORT, 6));
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EINTR) {
                        throw e;
                    }
                }
            }
        }
    }

    /** An {@code int} socket option ({@link #SOL_SOCKET} level and its {@code SO_} names). */
    static int getsockopt(int fd, int level, int option) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(JAVA_INT);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 4);
            Native.invoke("getsockopt", st -> (int) GETSOCKOPT.invokeExact(st, fd, level, option, value, len));
            return value.get(JAVA_INT, 0);
        }
    }

    /**
     * {@code SO_PEERCRED}: the process that created the other end of the connected Unix socket {@code fd} (for a
     * listening peer, the one that called {@code listen}), as this process's namespaces see it.
     */
    static PeerCredentials peerCredentials(int fd) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ucred = a.allocate(JAVA_INT, 3);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 12);
            Native.invoke("getsockopt", st -> (int) GETSOCKOPT.invokeExact(st, fd, SOL_SOCKET, SO_PEERCRED, ucred,
                    len));
            return new PeerCredentials(ucred.getAtIndex(JAVA_INT, 0), ucred.getAtIndex(JAVA_INT, 1),
                    ucred.getAtIndex(JAVA_INT, 2));
        }
    }

    static void setsockopt(int fd, int level, int option, int value) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            Native.invoke("setsockopt", st -> (int) SETSOCKOPT.invokeExact(st, fd, level, option, v, 4));
        }
    }
}
