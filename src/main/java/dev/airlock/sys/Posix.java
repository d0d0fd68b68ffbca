package dev.airlock.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The few Linux system calls that Java lacks, through the FFM API: the {@code openat} family (so that paths are
 * resolved relative to an open directory, one component at a time, never through a symlink that a sender planted),
 * {@code statx}, {@code getdents64}, {@code prctl}, raw {@code syscall} for Landlock, and Unix stream sockets with
 * descriptor passing ({@code SCM_RIGHTS}), which Java's socket channels cannot do. Paths are raw bytes: file
 * names on Linux are bytes, and a round trip through {@code String} would depend on the locale.
 *
 * <p>Every call throws {@link ErrnoException} on failure. Supported on x86_64 and aarch64.
 */
public final class Posix {
    public static final int AT_FDCWD = -100;
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_NOATIME = 01000000;
    public static final int O_DIRECTORY;
    public static final int O_NOFOLLOW;
    public static final int O_TMPFILE;
    /** Opens a place in the tree without reading it: only search permission on the way is needed. */
    public static final int O_PATH = 010000000;
    public static final int AT_REMOVEDIR = 0x200;
    /** {@code renameat2} flags: fail if the new name exists; swap the two names atomically. */
    public static final int RENAME_NOREPLACE = 1;
    public static final int RENAME_EXCHANGE = 2;
    public static final int SEEK_SET = 0;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_SYMLINK_FOLLOW = 0x400;
    public static final int AT_EMPTY_PATH = 0x1000;
    public static final int SEEK_CUR = 1;
    public static final int PR_SET_NO_NEW_PRIVS = 38;
    private static final int F_SETPIPE_SZ = 1031;
    public static final int SOL_SOCKET = 1;
    public static final int SO_TYPE = 3;
    private static final int SO_PEERCRED = 17;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int SO_DOMAIN = 39;
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;
    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;
    /** {@code poll(2)} events: the peer closed both directions, an error is pending. */
    public static final int POLLHUP = 0x10;
    public static final int POLLERR = 0x8;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_CTRUNC = 0x8;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    /** {@code struct cmsghdr} before its data, and the alignment of its data (both LP64 layouts). */
    private static final int CMSG_HEADER = 16;
    private static final int SUN_PATH_MAX = 108;

    private static final long SYS_GETDENTS64;
    private static final long SYS_SETGROUPS;
    private static final long SYS_SETFSUID;
    private static final long SYS_SETFSGID;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int STATX_MNT_ID = 0x1000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    // One errno slot per thread: allocating per call would cost more than the call itself.
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private static final MethodHandle OPENAT;
    private static final MethodHandle CLOSE;
    private static final MethodHandle READ;
    private static final MethodHandle WRITE;
    private static final MethodHandle LSEEK;
    private static final MethodHandle FTRUNCATE;
    private static final MethodHandle PIPE2;
    private static final MethodHandle FCNTL;
    private static final MethodHandle STATX;
    private static final MethodHandle MKDIRAT;
    private static final MethodHandle SYMLINKAT;
    private static final MethodHandle READLINKAT;
    private static final MethodHandle LINKAT;
    private static final MethodHandle UNLINKAT;
    private static final MethodHandle RENAMEAT2;
    private static final MethodHandle FCHMODAT;
    private static final MethodHandle GETEUID;
    private static final MethodHandle FLOCK;
    private static final MethodHandle FCHMOD;
    private static final MethodHandle FUTIMENS;
    private static final MethodHandle SYNCFS;
    private static final MethodHandle ISATTY;
    private static final MethodHandle PRCTL;
    private static final MethodHandle SYSCALL3;
    private static final MethodHandle SOCKET;
    private static final MethodHandle SOCKETPAIR;
    private static final MethodHandle CONNECT;
    private static final MethodHandle BIND;
    private static final MethodHandle LISTEN;
    private static final MethodHandle ACCEPT4;
    private static final MethodHandle SHUTDOWN;
    private static final MethodHandle SEND;
    private static final MethodHandle SENDMSG;
    private static final MethodHandle RECVMSG;
    private static final MethodHandle GETSOCKOPT;
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle SYSCALL4;
    private static final MethodHandle POLL;
    private static final MethodHandle KILL;

    static {
        String arch = System.getProperty("os.arch");
        switch (arch) {
            case "amd64", "x86_64" -> {
                O_DIRECTORY = 0200000;
                O_NOFOLLOW = 0400000;
                SYS_GETDENTS64 = 217;
                SYS_SETGROUPS = 116;
                SYS_SETFSUID = 122;
                SYS_SETFSGID = 123;
            }
            case "aarch64" -> {
                O_DIRECTORY = 040000;
                O_NOFOLLOW = 0100000;
                SYS_GETDENTS64 = 61;
                SYS_SETGROUPS = 159;
                SYS_SETFSUID = 151;
                SYS_SETFSGID = 152;
            }
            default -> throw new ExceptionInInitializerError(
                    "airlock supports Linux on x86_64 and aarch64, not " + arch);
        }
        O_TMPFILE = 020000000 | O_DIRECTORY;
        OPENAT = fn("openat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(3));
        CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        READ = fn("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        WRITE = fn("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        LSEEK = fn("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
        FTRUNCATE = fn("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
        PIPE2 = fn("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        FCNTL = fn("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(2));
        STATX = fn("statx", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
        MKDIRAT = fn("mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        SYMLINKAT = fn("symlinkat", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        READLINKAT = fn("readlinkat", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        LINKAT = fn("linkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
        UNLINKAT = fn("unlinkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        RENAMEAT2 = fn("renameat2", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
        FCHMODAT = fn("fchmodat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        GETEUID = fn("geteuid", FunctionDescriptor.of(JAVA_INT));
        FLOCK = fn("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        FCHMOD = fn("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        FUTIMENS = fn("futimens", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        SYNCFS = fn("syncfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        ISATTY = fn("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        PRCTL = fn("prctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
        SYSCALL3 = fn("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
        SOCKET = fn("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        SOCKETPAIR = fn("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
        CONNECT = fn("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        BIND = fn("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        LISTEN = fn("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        ACCEPT4 = fn("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        SHUTDOWN = fn("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        SEND = fn("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        SENDMSG = fn("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
        RECVMSG = fn("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
        GETSOCKOPT = fn("getsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        SETSOCKOPT = fn("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        SYSCALL4 = fn("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
        POLL = fn("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        KILL = fn("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private Posix() {
    }

    private static MethodHandle fn(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new ExceptionInInitializerError("C library lacks " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** One native call; receives the thread's errno slot and returns the raw result. */
    @FunctionalInterface
    private interface NativeCall {
        long call(MemorySegment errnoState) throws Throwable;
    }

    /** Runs {@code call}; a negative result becomes an {@link ErrnoException} named {@code name}. */
    private static long invoke(String name, NativeCall call) throws ErrnoException {
        MemorySegment state = STATE.get();
        long result;
        try {
            result = call.call(state);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return check(name, result, state);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static long check(String call, long result, MemorySegment state) throws ErrnoException {
        if (result < 0) {
            throw new ErrnoException(call, errno(state));
        }
        return result;
    }

    /** A NUL-terminated copy of {@code path}; a NUL inside would silently shorten the path, so it is refused. */
    static MemorySegment cString(Arena arena, byte[] path) {
        for (byte b : path) {
            if (b == 0) {
                throw new IllegalArgumentException("path contains a NUL byte");
            }
        }
        MemorySegment seg = arena.allocate(path.length + 1L);
        MemorySegment.copy(path, 0, seg, JAVA_BYTE, 0, path.length);
        seg.set(JAVA_BYTE, path.length, (byte) 0);
        return seg;
    }

    public static int openat(int dirFd, byte[] path, int flags, int mode) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = cString(a, path);
            return (int) invoke("openat", st -> (int) OPENAT.invokeExact(st, dirFd, p, flags, mode));
        }
    }

    /** Closes {@code fd}; errors are ignored because nothing useful can follow a failed close of a read fd. */
    public static void closeQuietly(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            invoke("close", st -> (int) CLOSE.invokeExact(st, fd));
        } catch (ErrnoException e) {
            // Nothing useful can follow a failed close of a descriptor that was only read or already done with.
        }
    }

    /** Closes {@code fd} and reports a failure (a close can report a write error of a pipe or file). */
    public static void close(int fd) throws ErrnoException {
        invoke("close", st -> (int) CLOSE.invokeExact(st, fd));
    }

    /** One {@code read(2)} into {@code buf}; returns the count, 0 at end of file. Retries on EINTR. */
    public static long read(int fd, MemorySegment buf) throws ErrnoException {
        for (;;) {
            try {
                return invoke("read", st -> (long) READ.invokeExact(st, fd, buf, buf.byteSize()));
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EINTR) {
                    throw e;
                }
            }
        }
    }

    /** Writes all of {@code buf}, retrying short writes and EINTR. */
    public static void writeFully(int fd, MemorySegment buf) throws ErrnoException {
        long off = 0;
        long len = buf.byteSize();
        while (off < len) {
            MemorySegment rest = buf.asSlice(off);
            try {
                off += invoke("write", st -> (long) WRITE.invokeExact(st, fd, rest, rest.byteSize()));
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EINTR) {
                    throw e;
                }
            }
        }
    }

    public static long lseek(int fd, long offset, int whence) throws ErrnoException {
        return invoke("lseek", st -> (long) LSEEK.invokeExact(st, fd, offset, whence));
    }

    public static void ftruncate(int fd, long length) throws ErrnoException {
        invoke("ftruncate", st -> (int) FTRUNCATE.invokeExact(st, fd, length));
    }

    /** A new pipe (close-on-exec): {@code {readFd, writeFd}}. */
    public static int[] pipe() throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            invoke("pipe2", st -> (int) PIPE2.invokeExact(st, fds, O_CLOEXEC));
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    /**
     * Asks for a pipe buffer of {@code bytes} ({@code F_SETPIPE_SZ}); returns the size granted, which the kernel
     * rounds up to a power of two pages. Unprivileged callers are refused above /proc/sys/fs/pipe-max-size.
     */
    public static int setPipeSize(int fd, int bytes) throws ErrnoException {
        return (int) invoke("fcntl", st -> (int) FCNTL.invokeExact(st, fd, F_SETPIPE_SZ, bytes));
    }

    /** {@code statx(dirFd, path, flags)}; pass {@link #AT_SYMLINK_NOFOLLOW} to describe a link itself. */
    public static Stat statx(int dirFd, byte[] path, int flags) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(256, 8);
            MemorySegment p = cString(a, path);
            invoke("statx", st -> (int) STATX.invokeExact(st, dirFd, p, flags, STATX_BASIC_STATS | STATX_MNT_ID,
                    buf));
            return toStat(buf);
        }
    }

    /** {@code fstat} through statx: what the open file {@code fd} is now. */
    public static Stat fstat(int fd) throws ErrnoException {
        return statx(fd, new byte[0], AT_EMPTY_PATH);
    }

    private static Stat toStat(MemorySegment b) {
        int mode = Short.toUnsignedInt(b.get(JAVA_SHORT, 28));
        long size = b.get(JAVA_LONG, 40);
        long atime = b.get(JAVA_LONG, 64);
        int atimeNs = b.get(JAVA_INT, 72);
        long mtime = b.get(JAVA_LONG, 112);
        int mtimeNs = b.get(JAVA_INT, 120);
        int links = b.get(JAVA_INT, 16);
        int uid = b.get(JAVA_INT, 20);
        int gid = b.get(JAVA_INT, 24);
        long dev = ((long) b.get(JAVA_INT, 136) << 32) | Integer.toUnsignedLong(b.get(JAVA_INT, 140));
        // stx_mnt_id, when the kernel filled it in (5.8 on): tells a bind mount of the same file system apart.
        long mountId = (b.get(JAVA_INT, 0) & STATX_MNT_ID) != 0 ? b.get(JAVA_LONG, 144) : -1;
        return new Stat(mode, size, atime, atimeNs, mtime, mtimeNs, uid, links, gid, dev, mountId);
    }

    public static void mkdirat(int dirFd, byte[] path, int mode) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = cString(a, path);
            invoke("mkdirat", st -> (int) MKDIRAT.invokeExact(st, dirFd, p, mode));
        }
    }

    public static void symlinkat(byte[] target, int dirFd, byte[] path) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment t = cString(a, target);
            MemorySegment p = cString(a, path);
            invoke("symlinkat", st -> (int) SYMLINKAT.invokeExact(st, t, dirFd, p));
        }
    }

    /** The target of the symlink {@code path}, at most {@code max} bytes (ENAMETOOLONG if longer). */
    public static byte[] readlinkat(int dirFd, byte[] path, int max) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(max + 1L);
            MemorySegment p = cString(a, path);
            long n = invoke("readlinkat", st -> (long) READLINKAT.invokeExact(st, dirFd, p, buf, max + 1L));
            if (n > max) {
                throw new ErrnoException("readlinkat", Errno.ENAMETOOLONG);
            }
            return buf.asSlice(0, n).toArray(JAVA_BYTE);
        }
    }

    public static void linkat(int oldDirFd, byte[] oldPath, int newDirFd, byte[] newPath, int flags)
            throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment o = cString(a, oldPath);
            MemorySegment n = cString(a, newPath);
            invoke("linkat", st -> (int) LINKAT.invokeExact(st, oldDirFd, o, newDirFd, n, flags));
        }
    }

    public static void unlinkat(int dirFd, byte[] path, int flags) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = cString(a, path);
            invoke("unlinkat", st -> (int) UNLINKAT.invokeExact(st, dirFd, p, flags));
        }
    }

    /** {@code renameat2(2)}: {@code flags} 0, {@link #RENAME_NOREPLACE} or {@link #RENAME_EXCHANGE}. */
    public static void renameat2(int oldDirFd, byte[] oldPath, int newDirFd, byte[] newPath, int flags)
            throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment o = cString(a, oldPath);
            MemorySegment n = cString(a, newPath);
            invoke("renameat2", st -> (int) RENAMEAT2.invokeExact(st, oldDirFd, o, newDirFd, n, flags));
        }
    }

    /** {@code fchmodat(dirFd, path, mode, 0)}: follows a link, so give it a path that is none. */
    public static void fchmodat(int dirFd, byte[] path, int mode) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = cString(a, path);
            invoke("fchmodat", st -> (int) FCHMODAT.invokeExact(st, dirFd, p, mode, 0));
        }
    }

    /** The effective user id of the process. */
    public static int geteuid() {
        try {
            return (int) invoke("geteuid", st -> (int) GETEUID.invokeExact(st));
        } catch (ErrnoException e) {
            throw new IllegalStateException("geteuid cannot fail", e);
        }
    }

    /**
     * Gives the calling thread only, not the process, the file-system identity {@code uid}/{@code gid} and no
     * supplementary groups: raw system calls, because the C library's {@code setgroups} changes every thread. Once
     * the file-system uid is not 0 the kernel also drops the thread's file capabilities (CAP_DAC_OVERRIDE,
     * CAP_FOWNER...), so the thread can touch only what that user could. Checked after the change.
     */
    public static void becomeFileSystemUser(int uid, int gid) throws ErrnoException {
        syscall("setgroups", SYS_SETGROUPS, 0, 0, 0);
        syscall("setfsgid", SYS_SETFSGID, Integer.toUnsignedLong(gid), 0, 0);
        syscall("setfsuid", SYS_SETFSUID, Integer.toUnsignedLong(uid), 0, 0);
        // Both calls return the previous id whatever happened; an invalid id (-1) asks for the current one.
        long fsuid = syscall("setfsuid", SYS_SETFSUID, 0xffffffffL, 0, 0);
        long fsgid = syscall("setfsgid", SYS_SETFSGID, 0xffffffffL, 0, 0);
        if (fsuid != Integer.toUnsignedLong(uid) || fsgid != Integer.toUnsignedLong(gid)) {
            throw new ErrnoException("setfsuid", Errno.EPERM);
        }
    }

    /** The calling thread's file-system uid (see {@link #becomeFileSystemUser}). */
    public static int fileSystemUid() throws ErrnoException {
        return (int) syscall("setfsuid", SYS_SETFSUID, 0xffffffffL, 0, 0);
    }

    /**
     * Up to {@code max} names in the open directory {@code dirFd} (without {@code .} and {@code ..}), read with
     * getdents64 from its start: a caller that removes what it read and asks again gets the rest.
     */
    public static List<byte[]> readDirectory(int dirFd, int max) throws ErrnoException {
        lseek(dirFd, 0, SEEK_SET);
        List<byte[]> out = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(32 * 1024, 8);
            while (out.size() < max) {
                long n = syscall("getdents64", SYS_GETDENTS64, dirFd, buf.address(), buf.byteSize());
                if (n == 0) {
                    break;
                }
                for (long pos = 0; pos < n && out.size() < max; ) {
                    int reclen = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT_UNALIGNED, pos + 16));
                    long nameEnd = pos + 19;
                    while (buf.get(JAVA_BYTE, nameEnd) != 0) {
                        nameEnd++;
                    }
                    byte[] name = buf.asSlice(pos + 19, nameEnd - pos - 19).toArray(JAVA_BYTE);
                    if (!isDotOrDotDot(name)) {
                        out.add(name);
                    }
                    pos += reclen;
                }
            }
        }
        return out;
    }

    /** {@code flock(fd, operation)}: a lock of the open file description, so two opens conflict even in one process. */
    public static void flock(int fd, int operation) throws ErrnoException {
        invoke("flock", st -> (int) FLOCK.invokeExact(st, fd, operation));
    }

    public static void fchmod(int fd, int mode) throws ErrnoException {
        invoke("fchmod", st -> (int) FCHMOD.invokeExact(st, fd, mode));
    }

    /** Sets access and modification times of {@code fd} with nanoseconds. */
    public static void futimens(int fd, long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec)
            throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ts = a.allocate(32, 8);
            ts.set(JAVA_LONG, 0, atimeSec);
            ts.set(JAVA_LONG, 8, atimeNsec);
            ts.set(JAVA_LONG, 16, mtimeSec);
            ts.set(JAVA_LONG, 24, mtimeNsec);
            invoke("futimens", st -> (int) FUTIMENS.invokeExact(st, fd, ts));
        }
    }

    /** Flushes the whole file system that holds {@code fd} to disk. */
    public static void syncfs(int fd) throws ErrnoException {
        invoke("syncfs", st -> (int) SYNCFS.invokeExact(st, fd));
    }

    public static boolean isatty(int fd) {
        try {
            return invoke("isatty", st -> (int) ISATTY.invokeExact(st, fd)) == 1;
        } catch (ErrnoException e) {
            return false;
        }
    }

    public static void prctl(int option, long arg2, long arg3, long arg4, long arg5) throws ErrnoException {
        invoke("prctl", st -> (int) PRCTL.invokeExact(st, option, arg2, arg3, arg4, arg5));
    }

    /** A raw system call with three arguments (pointers passed as {@code MemorySegment.address()}). */
    public static long syscall(String name, long nr, long a1, long a2, long a3) throws ErrnoException {
        return invoke(name, st -> (long) SYSCALL3.invokeExact(st, nr, a1, a2, a3));
    }

    /** A raw system call with four arguments. */
    public static long syscall(String name, long nr, long a1, long a2, long a3, long a4) throws ErrnoException {
        return invoke(name, st -> (long) SYSCALL4.invokeExact(st, nr, a1, a2, a3, a4));
    }

    /** A new Unix stream socket, close-on-exec. */
    public static int socket() throws ErrnoException {
        return (int) invoke("socket", st -> (int) SOCKET.invokeExact(st, AF_UNIX, SOCK_STREAM | O_CLOEXEC, 0));
    }

    /** Two connected Unix stream sockets, close-on-exec: {@code {one, other}}. */
    public static int[] socketpair() throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            invoke("socketpair", st -> (int) SOCKETPAIR.invokeExact(st, AF_UNIX, SOCK_STREAM | O_CLOEXEC, 0, fds));
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    /** Connects the Unix socket {@code fd} to the socket file {@code path}. */
    public static void connect(int fd, byte[] path) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = sockaddr(a, path);
            invoke("connect", st -> (int) CONNECT.invokeExact(st, fd, addr, (int) addr.byteSize()));
        }
    }

    /** Binds the Unix socket {@code fd} to a new socket file {@code path}. */
    public static void bind(int fd, byte[] path) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = sockaddr(a, path);
            invoke("bind", st -> (int) BIND.invokeExact(st, fd, addr, (int) addr.byteSize()));
        }
    }

    /** {@code struct sockaddr_un} for a path; a path the structure cannot hold is refused, not cut short. */
    private static MemorySegment sockaddr(Arena a, byte[] path) throws ErrnoException {
        if (path.length >= SUN_PATH_MAX) {
            throw new ErrnoException("sockaddr_un", Errno.ENAMETOOLONG);
        }
        MemorySegment addr = a.allocate(2L + SUN_PATH_MAX, 2);
        addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(cString(a, path), 0, addr, 2, path.length + 1L);
        return addr;
    }

    public static void listen(int fd, int backlog) throws ErrnoException {
        invoke("listen", st -> (int) LISTEN.invokeExact(st, fd, backlog));
    }

    /** The next connection on the listening socket {@code fd}, close-on-exec. Retries on EINTR. */
    public static int accept(int fd) throws ErrnoException {
        for (;;) {
            try {
                return (int) invoke("accept4", st -> (int) ACCEPT4.invokeExact(st, fd, MemorySegment.NULL,
                        MemorySegment.NULL, O_CLOEXEC));
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EINTR) {
                    throw e;
                }
            }
        }
    }

    /** {@code shutdown(fd, how)}: {@link #SHUT_RD}, {@link #SHUT_WR} or {@link #SHUT_RDWR}. */
    public static void shutdown(int fd, int how) throws ErrnoException {
        invoke("shutdown", st -> (int) SHUTDOWN.invokeExact(st, fd, how));
    }

    /**
     * One {@code send(2)} of {@code buf} on a socket, without SIGPIPE (a peer that has gone is EPIPE); returns the
     * count. Retries on EINTR.
     */
    public static long send(int fd, MemorySegment buf) throws ErrnoException {
        for (;;) {
            try {
                return invoke("send", st -> (long) SEND.invokeExact(st, fd, buf, buf.byteSize(), MSG_NOSIGNAL));
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
    public static void sendWithDescriptors(int fd, MemorySegment buf, int... passed) throws ErrnoException {
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
                    sent = invoke("sendmsg", st -> (long) SENDMSG.invokeExact(st, fd, msg, MSG_NOSIGNAL));
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
    public record Received(long count, int[] descriptors, boolean truncated, boolean foreign) {
        public Received {
            descriptors = descriptors.clone();
        }

        @Override
        public int[] descriptors() {
            return descriptors.clone();
        }

        /** True when nothing but bytes came. */
        public boolean plain() {
            return descriptors.length == 0 && !truncated && !foreign;
        }
    }

    /**
     * One {@code recvmsg(2)} into {@code buf} with room for {@code maxDescriptors} passed descriptors, installed
     * close-on-exec ({@code MSG_CMSG_CLOEXEC}). Retries on EINTR.
     */
    public static Received recvmsg(int fd, MemorySegment buf, int maxDescriptors) throws ErrnoException {
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
                    n = invoke("recvmsg", st -> (long) RECVMSG.invokeExact(st, fd, msg, MSG_CMSG_CLOEXEC));
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
    public static int pollOne(int fd, int events) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pfd = a.allocate(8, 4);
            pfd.set(JAVA_INT, 0, fd);
            pfd.set(JAVA_SHORT, 4, (short) events);
            for (;;) {
                try {
                    invoke("poll", st -> (int) POLL.invokeExact(st, pfd, 1L, -1));
                    return Short.toUnsignedInt(pfd.get(JAVA_SHORT, 6));
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EINTR) {
                        throw e;
                    }
                }
            }
        }
    }

    /** {@code kill(2)}: {@code signal} to process {@code pid}, or to process group {@code -pid}; 0 only checks. */
    public static void kill(int pid, int signal) throws ErrnoException {
        invoke("kill", st -> (int) KILL.invokeExact(st, pid, signal));
    }

    /** An {@code int} socket option ({@link #SOL_SOCKET} level and its {@code SO_} names). */
    public static int getsockopt(int fd, int level, int option) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(JAVA_INT);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 4);
            invoke("getsockopt", st -> (int) GETSOCKOPT.invokeExact(st, fd, level, option, value, len));
            return value.get(JAVA_INT, 0);
        }
    }

    /**
     * {@code SO_PEERCRED}: the process that created the other end of the connected Unix socket {@code fd} (for a
     * listening peer, the one that called {@code listen}), as this process's namespaces see it.
     */
    public static PeerCredentials peerCredentials(int fd) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ucred = a.allocate(JAVA_INT, 3);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 12);
            invoke("getsockopt", st -> (int) GETSOCKOPT.invokeExact(st, fd, SOL_SOCKET, SO_PEERCRED, ucred, len));
            return new PeerCredentials(ucred.getAtIndex(JAVA_INT, 0), ucred.getAtIndex(JAVA_INT, 1),
                    ucred.getAtIndex(JAVA_INT, 2));
        }
    }

    public static void setsockopt(int fd, int level, int option, int value) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            invoke("setsockopt", st -> (int) SETSOCKOPT.invokeExact(st, fd, level, option, v, 4));
        }
    }

    /**
     * The names in the open directory {@code dirFd} (without {@code .} and {@code ..}), read with getdents64 from
     * the directory's current offset. At most {@code maxEntries}; more is an error (E2BIG-like, reported as ENOMEM)
     * so that a hostile directory cannot exhaust memory.
     */
    public static List<byte[]> listDirectory(int dirFd, int maxEntries) throws ErrnoException {
        List<byte[]> out = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(64 * 1024, 8);
            for (;;) {
                long n = syscall("getdents64", SYS_GETDENTS64, dirFd, buf.address(), buf.byteSize());
                if (n == 0) {
                    return out;
                }
                long pos = 0;
                while (pos < n) {
                    int reclen = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT_UNALIGNED, pos + 16));
                    long nameStart = pos + 19;
                    long nameEnd = nameStart;
                    while (buf.get(JAVA_BYTE, nameEnd) != 0) {
                        nameEnd++;
                    }
                    byte[] name = buf.asSlice(nameStart, nameEnd - nameStart).toArray(JAVA_BYTE);
                    if (!isDotOrDotDot(name)) {
                        if (out.size() >= maxEntries) {
                            throw new ErrnoException("getdents64", Errno.ENOMEM);
                        }
                        out.add(name);
                    }
                    pos += reclen;
                }
            }
        }
    }

    private static boolean isDotOrDotDot(byte[] n) {
        return n.length == 1 && n[0] == '.' || n.length == 2 && n[0] == '.' && n[1] == '.';
    }
}
