package dev.airlock.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Gives a whole tree that a domain or a backup shaped to one user, as root, without ever leaving the tree.
 *
 * <p>{@code chown -R}, or a walk by path, resolves each path again from the top, so a link standing where a folder
 * or file was expected makes root give away what the link points to (a host file such as {@code /etc/shadow}).
 * Here a folder is entered only with {@code openat(O_NOFOLLOW|O_DIRECTORY)} from its parent's descriptor, names
 * come from getdents64 on that descriptor, and every change is {@code fchownat(AT_SYMLINK_NOFOLLOW)} relative to
 * it: a link is given away itself, its target never, whatever a name turns into meanwhile.
 *
 * <p>Left as they are: a regular file with more than one name (another name may be outside the tree, and the
 * owner is the file's, not the name's), device nodes, and folders on another mount (not entered). The top folder
 * is changed last, so a caller that takes "root still owns the top" as "not done yet" retries after a failure.
 */
public final class TreeOwner {
    /** The most folder levels held open at once; a deeper tree is refused. */
    static final int MAX_DEPTH = 256;
    /** Names read from one folder; a larger folder is refused rather than filling memory. */
    private static final int MAX_ENTRIES_PER_FOLDER = 1_000_000;
    private static final int OPEN_DIR = Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC;
    private static final int S_IFIFO = 0010000;

    private final long dev;
    private final long mountId;
    private final int uid;
    private final int gid;
    private final Path root;

    private TreeOwner(Stat top, int uid, int gid, Path root) {
        this.dev = top.dev();
        this.mountId = top.mountId();
        this.uid = uid;
        this.gid = gid;
        this.root = root;
    }

    /**
     * Makes {@code uid}:{@code gid} the owner of the folder {@code root} (not followed if it is a link: that
     * fails) and of everything beneath it but what the class comment leaves out.
     *
     * @throws IOException naming the place that could not be changed, or a tree deeper than {@value #MAX_DEPTH}
     */
    public static void give(Path root, int uid, int gid) throws IOException {
        byte[] path = root.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8);
        Fd top;
        try {
            top = Fd.CWD.open(path, OPEN_DIR, 0);
        } catch (ErrnoException e) {
            throw new IOException("cannot open " + root + " to give it to user " + uid + ": " + e.getMessage(), e);
        }
        try (top) {
            TreeOwner walk = new TreeOwner(stat(top, root), uid, gid, root);
            walk.giveContents(top, root, 1);
            change(top, new byte[0], Posix.AT_EMPTY_PATH, root, uid, gid);
        }
    }

    /** Gives away everything in the open folder {@code dir}, found at {@code where}, {@code depth} levels down. */
    private void giveContents(Fd dir, Path where, int depth) throws IOException {
        List<byte[]> names;
        try {
            names = dir.list(MAX_ENTRIES_PER_FOLDER);
        } catch (ErrnoException e) {
            throw new IOException("cannot list " + where + ": " + e.getMessage(), e);
        }
        for (byte[] name : names) {
            Path at = where.resolve(new String(name, StandardCharsets.UTF_8));
            Stat st;
            try {
                st = dir.stat(name, Posix.AT_SYMLINK_NOFOLLOW);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENOENT) {
                    continue;
                }
                throw new IOException("cannot look at " + at + ": " + e.getMessage(), e);
            }
            if (st.isDirectory()) {
                giveFolder(dir, name, at, st, depth);
            } else if (st.isSymlink() || st.isSocket() || (st.mode() & Stat.S_IFMT) == S_IFIFO
                    || st.isRegularFile() && st.links() == 1) {
                // The name may be something else by now; only a hard link could then reach outside the tree, and
                // the kernel (protected_hardlinks) lets a user link only files it may already write.
                change(dir, name, Posix.AT_SYMLINK_NOFOLLOW, at, uid, gid);
            }
        }
    }

    private void giveFolder(Fd parent, byte[] name, Path at, Stat seen, int depth) throws IOException {
        if (seen.dev() != dev || seen.mountId() != mountId) {
            return;
        }
        if (depth >= MAX_DEPTH) {
            throw new IOException(root + " nests folders more than " + MAX_DEPTH + " levels deep (at " + at
                    + "); airlock gives such a tree to user " + uid + " only up to that depth: flatten it");
        }
        Fd child;
        try {
            child = parent.open(name, OPEN_DIR, 0);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.ELOOP || e.errno() == Errno.ENOTDIR) {
                return;
            }
            throw new IOException("cannot open " + at + ": " + e.getMessage(), e);
        }
        try (child) {
            Stat now = stat(child, at);
            if (now.dev() != dev || now.mountId() != mountId) {
                return;
            }
            giveContents(child, at, depth + 1);
            change(child, new byte[0], Posix.AT_EMPTY_PATH, at, uid, gid);
        }
    }

    private static Stat stat(Fd fd, Path where) throws IOException {
        try {
            return fd.stat();
        } catch (ErrnoException e) {
            throw new IOException("cannot look at " + where + ": " + e.getMessage(), e);
        }
    }

    private static void change(Fd dir, byte[] name, int flags, Path at, int uid, int gid) throws IOException {
        try {
            dir.chown(name, uid, gid, flags);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return;
            }
            throw new IOException("cannot give " + at + " to user " + uid + ": " + e.getMessage(), e);
        }
    }
}
