package dev.airlock.sys;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

/**
 * An open descriptor (a directory to resolve names beneath, or a file), for code outside this package: the number
 * itself never leaves the package, so it cannot be kept past {@link #close()}, passed where another descriptor was
 * meant, or closed twice. Every use checks that it is still open; a use after close is a bug and throws
 * {@link IllegalStateException} rather than act on whatever the kernel gave the number to since. The calls are
 * those of {@link Posix}, relative to this descriptor.
 *
 * <p>Not for concurrent close: the one that closes it must know every other user is done, as with the raw number.
 */
public final class Fd implements AutoCloseable {
    /** The process's working directory ({@code AT_FDCWD}): resolves relative paths from it, is never closed. */
    public static final Fd CWD = new Fd(Posix.AT_FDCWD, false);

    private final int fd;
    private final boolean owned;
    private volatile boolean open = true;

    private Fd(int fd, boolean owned) {
        this.fd = fd;
        this.owned = owned;
    }

    /** Takes over a descriptor this package opened. */
    static Fd of(int fd) {
        return new Fd(fd, true);
    }

    /** The number, for this package's calls; refuses once closed. */
    int number() {
        if (!open) {
            throw new IllegalStateException("descriptor used after close");
        }
        return fd;
    }

    /** {@code openat(this, path, flags, mode)}: the new descriptor is the caller's to close. */
    public Fd open(byte[] path, int flags, int mode) throws ErrnoException {
        return of(Posix.openat(number(), path, flags, mode));
    }

    public Stat stat(byte[] path, int flags) throws ErrnoException {
        return Posix.statx(number(), path, flags);
    }

    /** What this descriptor is now. */
    public Stat stat() throws ErrnoException {
        return Posix.fstat(number());
    }

    public void mkdir(byte[] path, int mode) throws ErrnoException {
        Posix.mkdirat(number(), path, mode);
    }

    public void symlink(byte[] target, byte[] path) throws ErrnoException {
        Posix.symlinkat(target, number(), path);
    }

    /** The target of the symlink {@code path}, at most {@code max} bytes (ENAMETOOLONG if longer). */
    public byte[] readlink(byte[] path, int max) throws ErrnoException {
        return Posix.readlinkat(number(), path, max);
    }

    /** {@code fchownat(this, path, uid, gid, flags)}; see {@link Posix#fchownat}. */
    public void chown(byte[] path, int uid, int gid, int flags) throws ErrnoException {
        Posix.fchownat(number(), path, uid, gid, flags);
    }

    public void unlink(byte[] path, int flags) throws ErrnoException {
        Posix.unlinkat(number(), path, flags);
    }

    /** {@code mkfifoat(this, path, mode)}. */
    public void mkfifo(byte[] path, int mode) throws ErrnoException {
        Posix.mkfifoat(number(), path, mode);
    }

    /**
     * {@code openat(this, path, flags)} returning the bare number, for descriptors kept in a poll set and reopened
     * through {@code /proc/self/fd}; the caller closes it with {@link Posix#close}.
     */
    public int openRaw(byte[] path, int flags) throws ErrnoException {
        return Posix.openat(number(), path, flags, 0);
    }

    /** {@code renameat2(this, from, this, to, flags)}: a rename inside this directory. */
    public void rename(byte[] from, byte[] to, int flags) throws ErrnoException {
        Posix.renameat2(number(), from, number(), to, flags);
    }

    /** {@code linkat(from, fromPath, to, toPath, flags)}. */
    public static void link(Fd from, byte[] fromPath, Fd to, byte[] toPath, int flags) throws ErrnoException {
        Posix.linkat(from.number(), fromPath, to.number(), toPath, flags);
    }

    /** The names in this open directory, at most {@code maxEntries} (more is ENOMEM, so a hostile one cannot exhaust memory). */
    public List<byte[]> list(int maxEntries) throws ErrnoException {
        return Getdents.listDirectory(number(), maxEntries);
    }

    /**
     * A directory entry as the kernel lists it: its name and the type the file system reports for it, which is a
     * hint only (the entry may change before it is opened, and some file systems report {@link #DT_UNKNOWN}).
     */
    public record Entry(byte[] name, byte type) {
        public static final byte DT_UNKNOWN = 0;
        public static final byte DT_DIR = 4;
        public static final byte DT_REG = 8;
    }

    /** {@link #list(int)} with each entry's reported type. */
    public List<Entry> listTyped(int maxEntries) throws ErrnoException {
        return Getdents.listDirectoryTyped(number(), maxEntries);
    }

    /** One {@code read(2)}; 0 at end of file. */
    public long read(MemorySegment buf) throws ErrnoException {
        return Posix.read(number(), buf);
    }

    public void writeFully(MemorySegment buf) throws ErrnoException {
        Posix.writeFully(number(), buf);
    }

    public long seek(long offset, int whence) throws ErrnoException {
        return Posix.lseek(number(), offset, whence);
    }

    public void truncate(long length) throws ErrnoException {
        Posix.ftruncate(number(), length);
    }

    public void chmod(int mode) throws ErrnoException {
        Posix.fchmod(number(), mode);
    }

    public void setTimes(long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec) throws ErrnoException {
        Posix.futimens(number(), atimeSec, atimeNsec, mtimeSec, mtimeNsec);
    }

    /** {@code flock(2)}: a lock of the open file description, so two opens conflict even in one process. */
    public void lock(int operation) throws ErrnoException {
        Posix.flock(number(), operation);
    }

    /** Flushes the whole file system that holds this descriptor. */
    public void syncFileSystem() throws ErrnoException {
        Posix.syncfs(number());
    }

    /** {@code /proc/self/fd/N}: a path that names this open file, for {@code linkat} of an anonymous file. */
    public byte[] procPath() {
        return ("/proc/self/fd/" + number()).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Writes the number into a kernel structure at {@code offset} (Landlock's {@code path_beneath} takes a
     * descriptor so): the kernel reads it there, no Java code gets it back.
     */
    public void writeInto(MemorySegment struct, long offset) {
        struct.set(JAVA_INT_UNALIGNED, offset, number());
    }

    /** Closes the descriptor once; later calls do nothing. Errors are ignored, as {@link Posix#closeQuietly}. */
    @Override
    public void close() {
        if (owned && open) {
            open = false;
            Posix.closeQuietly(fd);
        }
    }
}
