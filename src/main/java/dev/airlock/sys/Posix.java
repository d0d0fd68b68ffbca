package dev.airlock.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static dev.airlock.sys.Native.cString;
import static dev.airlock.sys.Native.fn;
import static dev.airlock.sys.Native.invoke;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The few Linux system calls that Java lacks, through the FFM API: the {@code openat} family (so that paths are
 * resolved relative to an open directory, one component at a time, never through a symlink that a sender planted),
 * {@code statx}, {@code prctl} and raw {@code syscall} for Landlock. Unix sockets are in {@link Sockets}, directory
 * listing in {@link Getdents}. Paths are raw bytes: file names on Linux are bytes, and a round trip through
 * {@code String} would depend on the locale.
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
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    public static final short POLLIN = 0x1;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;

    static final long SYS_GETDENTS64;
    private static final long SYS_SETGROUPS;
    private static final long SYS_SETFSUID;
    private static final long SYS_SETFSGID;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int STATX_MNT_ID = 0x1000;

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
    private static final MethodHandle FCHOWNAT;
    private static final MethodHandle GETEUID;
    private static final MethodHandle FLOCK;
    private static final MethodHandle FCHMOD;
    private static final MethodHandle FUTIMENS;
    private static final MethodHandle SYNCFS;
    private static final MethodHandle ISATTY;
    private static final MethodHandle PRCTL;
    private static final MethodHandle SYSCALL3;
    private static final MethodHandle SYSCALL4;
    private static final MethodHandle KILL;
    private static final MethodHandle MKFIFOAT;
    private static final MethodHandle POLL;

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
        FCHOWNAT = fn("fchownat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
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
        SYSCALL4 = fn("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
        KILL = fn("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        MKFIFOAT = fn("mkfifoat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        POLL = fn("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    private Posix() {
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

    /**
     * {@code fchownat(dirFd, path, uid, gid, flags)}: pass {@link #AT_SYMLINK_NOFOLLOW} to change a link itself,
     * or an empty path and {@link #AT_EMPTY_PATH} to change the open file {@code dirFd}.
     */
    public static void fchownat(int dirFd, byte[] path, int uid, int gid, int flags) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = cString(a, path);
            invoke("fchownat", st -> (int) FCHOWNAT.invokeExact(st, dirFd, p, uid, gid, flags));
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

    /** {@code kill(2)}: {@code signal} to process {@code pid}, or to process group {@code -pid}; 0 only checks. */
    public static void kill(int pid, int signal) throws ErrnoException {
        invoke("kill", st -> (int) KILL.invokeExact(st, pid, signal));
    }

    /** {@code mkfifoat(dirFd, path, mode)}: a named pipe, never following a link in its place (it fails EEXIST). */
    public static void mkfifoat(int dirFd, byte[] path, int mode) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = cString(a, path);
            invoke("mkfifoat", st -> (int) MKFIFOAT.invokeExact(st, dirFd, p, mode));
        }
    }

    /** Sets or clears {@code O_NONBLOCK} on {@code fd}'s open file. */
    public static void setNonBlocking(int fd, boolean on) throws ErrnoException {
        int flags = (int) invoke("fcntl", st -> (int) FCNTL.invokeExact(st, fd, F_GETFL, 0));
        int changed = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
        invoke("fcntl", st -> (int) FCNTL.invokeExact(st, fd, F_SETFL, changed));
    }

    /**
     * {@code poll(2)} for {@link #POLLIN} on each of {@code fds}, waiting at most {@code timeoutMillis} (-1: no
     * limit); returns each descriptor's {@code revents}, all 0 after a timeout or an interrupting signal.
     */
    public static short[] poll(int[] fds, int timeoutMillis) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(8L * fds.length, 4);
            for (int i = 0; i < fds.length; i++) {
                set.set(JAVA_INT, 8L * i, fds[i]);
                set.set(JAVA_SHORT, 8L * i + 4, POLLIN);
            }
            short[] revents = new short[fds.length];
            try {
                invoke("poll", st -> (int) POLL.invokeExact(st, set, (long) fds.length, timeoutMillis));
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EINTR) {
                    throw e;
                }
                return revents;
            }
            for (int i = 0; i < fds.length; i++) {
                revents[i] = set.get(JAVA_SHORT, 8L * i + 6);
            }
            return revents;
        }
    }
}
