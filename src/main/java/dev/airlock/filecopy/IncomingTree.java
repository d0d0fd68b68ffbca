package dev.airlock.filecopy;

import dev.airlock.sys.Errno;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Fd;
import dev.airlock.sys.Posix;
import dev.airlock.sys.Stat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The receiving side's file system: every path is resolved relative to the open destination directory one
 * component at a time with {@code O_NOFOLLOW}, so no symlink (from this stream or planted earlier) is ever
 * followed, and nothing is created outside the destination. Files are written to an anonymous
 * ({@code O_TMPFILE}) or hidden temporary file and linked under their name only when complete; linking fails
 * rather than overwrite.
 */
final class IncomingTree implements AutoCloseable {
    private static final int DIR_FLAGS = Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC;
    private static final int ZERO_CHUNK = 1 << 20;
    private static final MemorySegment ZEROS = Arena.global().allocate(ZERO_CHUNK);
    /** Chunks at least this large that are all zero become holes instead of writes. */
    private static final int MIN_HOLE = 4096;

    /** How a finished temporary file gets its name; found once per session by {@link #probeLinkMethod()}. */
    private enum LinkMethod { EMPTY_PATH, PROC_FD, NAMED_TEMP }

    /** A directory opened by its first header and waiting for its second. */
    private record OpenDir(Name path, Fd fd) {
    }

    /** A parent directory handle; {@code owned} handles are closed after use. */
    record Parent(Fd fd, boolean owned) implements AutoCloseable {
        @Override
        public void close() {
            if (owned) {
                fd.close();
            }
        }
    }

    private final Fd root;
    private final List<OpenDir> open = new ArrayList<>();
    private LinkMethod linkMethod;

    /** @param root the destination; stays the caller's to close */
    IncomingTree(Fd root) {
        this.root = root;
    }

    /** The directory that holds {@code name}, resolved without following any symlink. */
    Parent parentOf(Name name) throws Refusal, ErrnoException {
        Optional<Name> dir = name.parent();
        if (dir.isEmpty()) {
            return new Parent(root, false);
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            if (open.get(i).path.equals(dir.get())) {
                return new Parent(open.get(i).fd, false);
            }
        }
        return new Parent(resolveDirectory(dir.get().bytes()), true);
    }

    private Fd resolveDirectory(byte[] dir) throws Refusal {
        Fd fd = root;
        int start = 0;
        try {
            while (start <= dir.length) {
                int end = indexOf(dir, (byte) '/', start);
                if (end < 0) {
                    end = dir.length;
                }
                byte[] component = Arrays.copyOfRange(dir, start, end);
                Fd next = openDirectory(fd, component);
                if (fd != root) {
                    fd.close();
                }
                fd = next;
                start = end + 1;
            }
            return fd;
        } catch (Refusal e) {
            if (fd != root) {
                fd.close();
            }
            throw e;
        }
    }

    /**
     * Opens one component as a directory; a symlink or other non-directory is ENOTDIR, and any failure ends the
     * session naming only that component, as Qubes' receiver does (scripts and users of Qubes see the same reply).
     */
    private static Fd openDirectory(Fd dir, byte[] component) throws Refusal {
        try {
            return dir.open(component, DIR_FLAGS, 0);
        } catch (ErrnoException e) {
            throw new Refusal(e.errno() == Errno.ELOOP ? Errno.ENOTDIR : e.errno(), component);
        }
    }

    /** First header of a directory: create it 0700 (or merge into an existing directory) and keep it open. */
    void openDirectoryEntry(Name name) throws Refusal, ErrnoException {
        // A directory opened earlier but never closed by its second header is left as it is (0700).
        Optional<Name> parentPath = name.parent();
        while (!open.isEmpty() && (parentPath.isEmpty() || !open.getLast().path.equals(parentPath.get()))) {
            open.removeLast().fd.close();
        }
        try (Parent p = parentOf(name)) {
            byte[] base = name.base();
            try {
                p.fd().mkdir(base, 0700);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EEXIST) {
                    throw e;
                }
                Stat existing = p.fd().stat(base, Posix.AT_SYMLINK_NOFOLLOW);
                if (!existing.isDirectory()) {
                    // Qubes' answer: the name is there, but not as a directory to merge into.
                    throw new Refusal(Errno.ENOTDIR);
                }
            }
            open.add(new OpenDir(name, openDirectory(p.fd(), base)));
        }
    }

    /** True when {@code name} is a directory opened by a first header and not yet closed. */
    boolean isOpenDirectory(Name name) {
        for (OpenDir d : open) {
            if (d.path.equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Second header of a directory: apply its mode and times, then forget it. */
    void closeDirectoryEntry(Name name, int mode, FileHeader h) throws ErrnoException {
        while (!open.isEmpty()) {
            OpenDir d = open.removeLast();
            try {
                if (d.path.equals(name)) {
                    d.fd.chmod(mode);
                    d.fd.setTimes(h.atime(), (int) h.atimeNsec(), h.mtime(), (int) h.mtimeNsec());
                    return;
                }
            } finally {
                d.fd.close();
            }
        }
    }

    /** Refuses early (before the body is read) when the name is taken; the final link re-checks atomically. */
    static void requireAbsent(Fd dir, byte[] base) throws Refusal, ErrnoException {
        try {
            dir.stat(base, Posix.AT_SYMLINK_NOFOLLOW);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return;
            }
            throw e;
        }
        throw new Refusal(Errno.EEXIST);
    }

    void symlink(Fd dir, byte[] base, LinkTarget target) throws Refusal, ErrnoException {
        try {
            dir.symlink(target.bytes(), base);
        } catch (ErrnoException e) {
            throw refuseIfExists(e);
        }
    }

    /** EEXIST ends the session with that code; any other failure stays an I/O error. */
    private static ErrnoException refuseIfExists(ErrnoException e) throws Refusal {
        if (e.errno() == Errno.EEXIST) {
            throw new Refusal(Errno.EEXIST);
        }
        return e;
    }

    /** A file being received: invisible until {@link #publish}. */
    final class Incoming implements AutoCloseable {
        private final Fd dir;
        private final Fd fd;
        private final byte[] tempName;
        private boolean holes;

        private Incoming(Fd dir, Fd fd, byte[] tempName) {
            this.dir = dir;
            this.fd = fd;
            this.tempName = tempName;
        }

        void write(ByteBuffer chunk) throws ErrnoException {
            MemorySegment seg = MemorySegment.ofBuffer(chunk);
            long n = seg.byteSize();
            if (n >= MIN_HOLE && n <= ZERO_CHUNK && seg.mismatch(ZEROS.asSlice(0, n)) < 0) {
                fd.seek(n, Posix.SEEK_CUR);
                holes = true;
            } else {
                fd.writeFully(seg);
            }
        }

        /** Sets size, mode and times, then links the file under {@code base}; EEXIST if the name is taken. */
        void publish(byte[] base, long size, int mode, FileHeader h) throws Refusal, ErrnoException {
            if (holes) {
                fd.truncate(size);
            }
            fd.chmod(mode);
            fd.setTimes(h.atime(), (int) h.atimeNsec(), h.mtime(), (int) h.mtimeNsec());
            try {
                switch (linkMethod) {
                    case EMPTY_PATH -> Fd.link(fd, new byte[0], dir, base, Posix.AT_EMPTY_PATH);
                    case PROC_FD -> Fd.link(Fd.CWD, fd.procPath(), dir, base, Posix.AT_SYMLINK_FOLLOW);
                    case NAMED_TEMP -> Fd.link(dir, tempName, dir, base, 0);
                }
            } catch (ErrnoException e) {
                throw refuseIfExists(e);
            }
        }

        @Override
        public void close() {
            fd.close();
            if (tempName != null) {
                try {
                    dir.unlink(tempName, 0);
                } catch (ErrnoException e) {
                    // Only a hidden name remains; the session's reply already carries the real error.
                }
            }
        }
    }

    /** Starts a new file in {@code dir}. */
    Incoming create(Fd dir) throws ErrnoException {
        if (linkMethod == null) {
            linkMethod = probeLinkMethod();
        }
        if (linkMethod != LinkMethod.NAMED_TEMP) {
            return new Incoming(dir, dir.open(new byte[] {'.'}, Posix.O_TMPFILE | Posix.O_WRONLY
                    | Posix.O_CLOEXEC, 0600), null);
        }
        for (int attempt = 0; ; attempt++) {
            byte[] temp = tempName();
            try {
                Fd fd = dir.open(temp, Posix.O_CREAT | Posix.O_EXCL | Posix.O_WRONLY | Posix.O_NOFOLLOW
                        | Posix.O_CLOEXEC, 0600);
                return new Incoming(dir, fd, temp);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EEXIST || attempt >= 8) {
                    throw e;
                }
            }
        }
    }

    /**
     * Finds how this session can give an anonymous file a name: {@code linkat(AT_EMPTY_PATH)} needs
     * CAP_DAC_READ_SEARCH, the {@code /proc/self/fd} form needs /proc, and some file systems lack O_TMPFILE.
     */
    private LinkMethod probeLinkMethod() throws ErrnoException {
        Fd fd;
        try {
            fd = root.open(new byte[] {'.'}, Posix.O_TMPFILE | Posix.O_WRONLY | Posix.O_CLOEXEC, 0600);
        } catch (ErrnoException e) {
            return LinkMethod.NAMED_TEMP;
        }
        try (fd) {
            for (LinkMethod m : new LinkMethod[] {LinkMethod.EMPTY_PATH, LinkMethod.PROC_FD}) {
                if (probe(m, fd)) {
                    return m;
                }
            }
            return LinkMethod.NAMED_TEMP;
        }
    }

    /**
     * Tries to link the anonymous file {@code fd} under a fresh hidden name with {@code method}, and removes the
     * name again. A name that happens to exist is retried with another; a probe name that cannot be removed ends
     * the session rather than stay behind.
     */
    private boolean probe(LinkMethod method, Fd fd) throws ErrnoException {
        for (int attempt = 0; attempt < 8; attempt++) {
            byte[] probe = tempName();
            try {
                if (method == LinkMethod.EMPTY_PATH) {
                    Fd.link(fd, new byte[0], root, probe, Posix.AT_EMPTY_PATH);
                } else {
                    Fd.link(Fd.CWD, fd.procPath(), root, probe, Posix.AT_SYMLINK_FOLLOW);
                }
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EEXIST) {
                    continue;
                }
                return false;
            }
            root.unlink(probe, 0);
            return true;
        }
        return false;
    }

    private static byte[] tempName() {
        // Not a secret: O_EXCL settles collisions. (A SecureRandom would read java.security, which Landlock hides.)
        long r = ThreadLocalRandom.current().nextLong();
        return (".airlock-incoming-" + HexFormat.of().toHexDigits(r)).getBytes(StandardCharsets.US_ASCII);
    }

    /** Flushes everything written to disk. */
    void sync() throws ErrnoException {
        root.syncFileSystem();
    }

    @Override
    public void close() {
        for (OpenDir d : open) {
            d.fd.close();
        }
        open.clear();
    }

    private static int indexOf(byte[] a, byte b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
