package dev.airlock.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Deleting a tree that a domain may have touched, or may still be changing, without ever leaving it.
 *
 * <p>A walk by path ({@code Files.walkFileTree}) re-resolves every path from the top, so a domain that swaps a
 * folder for a link to a host folder between the walker's check and its delete makes the host delete host files
 * (issue 10). Here every step is relative to a descriptor of a folder already open: a folder is entered with
 * {@code openat(O_NOFOLLOW|O_DIRECTORY)} from its parent's descriptor, names are read from the descriptor with
 * getdents64, and removed with {@code unlinkat} from it. Whatever a name turns into meanwhile, the worst a domain
 * gets is that one of its own names is removed or the delete fails. A folder on another mount (a bind mount of a
 * host folder, another file system) is never entered: the delete fails instead.
 *
 * <p>When airlock runs as root, a folder owned by another user (a domain's home, a disposable's stage) is emptied
 * by a thread of its own that has taken that user's file-system identity ({@link Posix#becomeFileSystemUser}) and
 * ends with the delete; root then removes the emptied folder from its parent. So even a mistake here cannot remove
 * what that user could not remove itself.
 *
 * <p>The walk keeps one descriptor per level, at most {@value #MAX_DEPTH}; a deeper folder is moved up to the top
 * of the tree being deleted and deleted from there, so any depth is deleted with bounded memory and descriptors.
 */
public final class Trees {
    /** The most folder levels held open at once. */
    static final int MAX_DEPTH = 128;
    /** Names read from a folder in one go. */
    private static final int BATCH = 512;
    /** Rounds in a row in which a folder gave names but none could be removed before giving up. */
    private static final int MAX_IDLE_ROUNDS = 1000;
    private static final int OPEN_DIR = Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC;
    private static final byte[] DOT = {'.'};

    private Trees() {
    }

    /**
     * Deletes {@code root} and everything beneath it, if it exists, as {@code rm -rf} would: a folder that its
     * owner made read-only stops the delete. The folders above {@code root} are resolved by path (the caller's
     * own); {@code root} itself is opened without following a link (a link there is removed, not followed).
     *
     * @throws IOException naming what could not be deleted and why (an {@link AccessDeniedException} when
     *                     permission was denied); what could be deleted is gone
     */
    public static void delete(Path root) throws IOException {
        delete(root, false);
    }

    /**
     * Deletes {@code root} like {@link #delete}, but gives a folder whose owner took its own permissions away
     * (a domain can, to make its removal fail) those permissions back when the one deleting is that owner.
     */
    public static void deleteForcibly(Path root) throws IOException {
        delete(root, true);
    }

    private static void delete(Path root, boolean force) throws IOException {
        Path abs = root.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null || abs.getFileName() == null) {
            throw new IOException("refusing to delete " + root);
        }
        byte[] name = bytes(abs.getFileName());
        int parentFd;
        try {
            parentFd = Posix.openat(Posix.AT_FDCWD, bytes(parent), OPEN_DIR & ~Posix.O_NOFOLLOW, 0);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return;
            }
            throw failure(root, e);
        }
        try {
            Stat st;
            try {
                st = Posix.statx(parentFd, name, Posix.AT_SYMLINK_NOFOLLOW);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENOENT) {
                    return;
                }
                throw failure(root, e);
            }
            if (st.isDirectory()) {
                new Walk(st, force).removeTop(parentFd, name, root);
            } else {
                unlink(parentFd, name, 0, root);
            }
        } finally {
            Posix.closeQuietly(parentFd);
        }
    }

    /** One delete, and the mount every folder in it must be on. */
    private static final class Walk {
        private final long dev;
        private final long mountId;
        private final boolean root;
        private final boolean force;
        private int moved;

        Walk(Stat top, boolean force) {
            this.dev = top.dev();
            this.mountId = top.mountId();
            this.root = Posix.geteuid() == 0;
            this.force = force;
        }

        /** Empties and removes the folder {@code name} in {@code parentFd} (airlock's own folder), at {@code where}. */
        void removeTop(int parentFd, byte[] name, Path where) throws IOException {
            int fd = enter(parentFd, name, where);
            if (fd < 0) {
                unlink(parentFd, name, 0, where);
                return;
            }
            try {
                emptyOwned(fd, where, root);
            } finally {
                Posix.closeQuietly(fd);
            }
            unlink(parentFd, name, Posix.AT_REMOVEDIR, where);
        }

        /**
         * Empties the open folder {@code fd}: as its owner on a thread of that identity when this thread is root
         * ({@code privileged}) and the folder belongs to another user, else on this thread.
         */
        private void emptyOwned(int fd, Path where, boolean privileged) throws IOException {
            int owner = Posix.fstat(fd).uid();
            if (privileged && owner != 0) {
                emptyAs(owner, fd, where);
            } else {
                empty(fd, where, privileged);
            }
        }

        /** Runs {@link #empty} on a platform thread of its own that is {@code uid} for the file system. */
        private void emptyAs(int uid, int fd, Path where) throws IOException {
            AtomicReference<IOException> failed = new AtomicReference<>();
            // The thread's identity ends with it: nothing ever has to be given back, and no other thread has it.
            Thread t = Thread.ofPlatform().name("airlock-delete-as-" + uid).unstarted(() -> {
                try {
                    Posix.becomeFileSystemUser(uid, uid);
                    empty(fd, where, false);
                } catch (IOException e) {
                    failed.set(e);
                } catch (RuntimeException | Error e) {
                    failed.set(new IOException("cannot delete " + where + ": " + e, e));
                }
            });
            t.start();
            // The thread uses descriptors that the caller closes: it must end first.
            BlockingThreads.joinUninterruptibly(t);
            if (failed.get() != null) {
                throw failed.get();
            }
        }

        /** Removes everything in the open folder {@code topFd}, depth first, with one descriptor per level. */
        private void empty(int topFd, Path topWhere, boolean privileged) throws IOException {
            Deque<Level> levels = new ArrayDeque<>();
            levels.push(new Level(topFd, null, topWhere, null));
            try {
                while (!levels.isEmpty()) {
                    Level level = levels.peek();
                    Level child = step(level, topFd, levels.size(), privileged);
                    if (child != null) {
                        levels.push(child);
                    } else if (level.done) {
                        levels.pop();
                        if (level.parent != null) {
                            Posix.closeQuietly(level.fd);
                            removeEmptied(level);
                        }
                    } else if (level.idle > MAX_IDLE_ROUNDS) {
                        throw new IOException("cannot delete " + level.where + ": it keeps changing");
                    }
                }
            } finally {
                for (Level l : levels) {
                    if (l.parent != null) {
                        Posix.closeQuietly(l.fd);
                    }
                }
            }
        }

        /** Removes an emptied folder; if its name was given to another folder meanwhile, the next round sees that. */
        private static void removeEmptied(Level level) throws IOException {
            try {
                Posix.unlinkat(level.parent.fd, level.name, Posix.AT_REMOVEDIR);
            } catch (ErrnoException e) {
                int n = e.errno();
                if (n != Errno.ENOENT && n != Errno.ENOTEMPTY && n != Errno.EEXIST && n != Errno.ENOTDIR) {
                    throw failure(level.where, e);
                }
            }
        }

        /**
         * Removes the next names of {@code level} until it meets a folder, which it opens and returns to be
         * emptied first; {@code null} when this round is over ({@code level.done} once nothing is left).
         */
        private Level step(Level level, int topFd, int depth, boolean privileged) throws IOException {
            List<byte[]> names;
            try {
                names = Getdents.readDirectory(level.fd, BATCH);
            } catch (ErrnoException e) {
                throw failure(level.where, e);
            }
            if (names.isEmpty()) {
                level.done = true;
                return null;
            }
            level.idle++;
            for (byte[] name : names) {
                Path where = level.where.resolve(new String(name, StandardCharsets.UTF_8));
                Stat st;
                try {
                    st = Posix.statx(level.fd, name, Posix.AT_SYMLINK_NOFOLLOW);
                } catch (ErrnoException e) {
                    if (e.errno() == Errno.ENOENT) {
                        continue;
                    }
                    throw failure(where, e);
                }
                if (!st.isDirectory()) {
                    if (unlinkFile(level, name, where)) {
                        level.idle = 0;
                    }
                    continue;
                }
                if (depth >= MAX_DEPTH) {
                    moveToTop(level, name, topFd, where);
                    level.idle = 0;
                    continue;
                }
                int fd = enter(level.fd, name, where);
                if (fd < 0) {
                    continue;
                }
                level.idle = 0;
                int owner = Posix.fstat(fd).uid();
                if (privileged && owner != 0) {
                    // Another user's folder inside root's: emptied as that user, then removed here.
                    try {
                        emptyAs(owner, fd, where);
                    } finally {
                        Posix.closeQuietly(fd);
                    }
                    unlink(level.fd, name, Posix.AT_REMOVEDIR, where);
                    continue;
                }
                return new Level(fd, name, where, level);
            }
            return null;
        }

        /** Moves a folder too deep to enter up to the top, under a new name; it is deleted from there. */
        private void moveToTop(Level level, byte[] name, int topFd, Path where) throws IOException {
            for (;;) {
                byte[] to = (".airlock-deleting-" + (moved++)).getBytes(StandardCharsets.US_ASCII);
                try {
                    Posix.renameat2(level.fd, name, topFd, to, Posix.RENAME_NOREPLACE);
                    return;
                } catch (ErrnoException e) {
                    if (e.errno() == Errno.ENOENT) {
                        return;
                    }
                    if (e.errno() != Errno.EEXIST) {
                        throw failure(where, e);
                    }
                }
            }
        }

        /**
         * Opens the folder {@code name} in {@code parentFd} without following a link, after making sure it is on
         * the tree's mount and that its owner, if that is who deletes, may read and change it. Returns -1 if
         * {@code name} is no longer a folder (the next round sees what it is now).
         */
        private int enter(int parentFd, byte[] name, Path where) throws IOException {
            int handle;
            try {
                // O_PATH needs nothing but the way there: a folder of mode 000 can still be looked at and fixed.
                handle = Posix.openat(parentFd, name, Posix.O_PATH | OPEN_DIR, 0);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR || e.errno() == Errno.ELOOP) {
                    return -1;
                }
                throw failure(where, e);
            }
            try {
                Stat st = Posix.fstat(handle);
                if (st.dev() != dev || mountId != -1 && st.mountId() != mountId) {
                    throw new IOException("cannot delete " + where + ": another file system is mounted there "
                            + "(unmount it first; airlock does not delete across mounts)");
                }
                if (force && (st.mode() & 0700) != 0700 && st.uid() == fileSystemUid()) {
                    // A domain may have taken its own permissions away; as its owner this may give them back.
                    Posix.fchmodat(Posix.AT_FDCWD, ("/proc/self/fd/" + handle).getBytes(StandardCharsets.US_ASCII),
                            (st.mode() & 07777) | 0700);
                }
                return Posix.openat(handle, DOT, OPEN_DIR, 0);
            } catch (ErrnoException e) {
                throw failure(where, e);
            } finally {
                Posix.closeQuietly(handle);
            }
        }

        /** Unlinks a name that is no folder; false when it changed meanwhile (gone, or now a folder). */
        private boolean unlinkFile(Level level, byte[] name, Path where) throws IOException {
            try {
                Posix.unlinkat(level.fd, name, 0);
                return true;
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENOENT || e.errno() == Errno.EISDIR) {
                    return false;
                }
                if (e.errno() == Errno.EACCES && force && ownerMayWrite(level.fd)) {
                    return unlinkFile(level, name, where);
                }
                throw failure(where, e);
            }
        }

        /** Gives the open folder back its owner's permissions if this thread is its owner and they lacked. */
        private static boolean ownerMayWrite(int fd) throws ErrnoException {
            Stat st = Posix.fstat(fd);
            if ((st.mode() & 0300) == 0300 || st.uid() != fileSystemUid()) {
                return false;
            }
            Posix.fchmod(fd, (st.mode() & 07777) | 0700);
            return true;
        }
    }

    /** One folder being emptied: its descriptor and where it is (for messages), below {@code parent}. */
    private static final class Level {
        final int fd;
        final byte[] name;
        final Path where;
        final Level parent;
        int idle;
        boolean done;

        Level(int fd, byte[] name, Path where, Level parent) {
            this.fd = fd;
            this.name = name;
            this.where = where;
            this.parent = parent;
        }
    }

    /**
     * Who this thread is to the file system: the process's user, unless the process is root and the thread took a
     * domain's identity. Only root asks the kernel, which a domain's seccomp filter might not let a domain do.
     */
    private static int fileSystemUid() throws ErrnoException {
        int euid = Posix.geteuid();
        return euid != 0 ? euid : Posix.fileSystemUid();
    }

    private static void unlink(int dirFd, byte[] name, int flags, Path where) throws IOException {
        try {
            Posix.unlinkat(dirFd, name, flags);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOENT) {
                throw failure(where, e);
            }
        }
    }

    private static IOException failure(Path where, ErrnoException e) {
        if (e.errno() == Errno.EACCES || e.errno() == Errno.EPERM) {
            return new AccessDeniedException(where.toString(), null, "permission denied");
        }
        return new IOException("cannot delete " + where + ": " + e.getMessage(), e);
    }

    private static byte[] bytes(Path p) {
        return p.toString().getBytes(StandardCharsets.UTF_8);
    }
}
