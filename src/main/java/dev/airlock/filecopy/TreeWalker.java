package dev.airlock.filecopy;

import dev.airlock.sys.Errno;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Fd;
import dev.airlock.sys.Posix;
import dev.airlock.sys.Stat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Walks the sender's arguments as the stream wants them (in the order of Qubes' {@code qfile-agent}): each argument's
 * base name from its parent folder, without following links, a directory's entry before and after its children,
 * children in byte order of their names (so a stream is reproducible).
 */
final class TreeWalker {
    /** Most entries one directory may list; beyond it the walk stops rather than exhaust memory. */
    private static final int MAX_DIR_ENTRIES = 10_000_000;
    private static final int MAX_LINK_TARGET = Unpacker.MAX_NAME;

    /** What the walk finds, in stream order. */
    interface Visitor {
        void directory(byte[] name, Stat st, boolean closing) throws IOException;

        /**
         * A regular file; {@code dirFd}/{@code base} locate it for opening. {@code st} is null when the walk was
         * asked not to stat files and the directory listing said "regular file": the visitor opens it without
         * following links and checks the type of what it opened.
         */
        void regularFile(byte[] name, Fd dir, byte[] base, Stat st) throws IOException;

        /** A symlink; {@code target} is null when the walk was asked not to read targets. */
        void symlink(byte[] name, Stat st, byte[] target) throws IOException;

        /** A FIFO, socket or device: never sent. */
        void skipped(byte[] name, Stat st);
    }

    /** One argument split into the folder to open and the name to send. */
    record Argument(byte[] parent, byte[] base) {
    }

    private final boolean ignoreSymlinks;
    private final boolean readLinkTargets;
    private final boolean statFiles;
    private final Visitor visitor;

    /**
     * @param readLinkTargets read each link's target; reading updates the link's atime, so a walk that precedes
     *                        the real one and needs no targets does not read them
     * @param statFiles       stat every entry; without it, an entry that its directory lists as a regular file
     *                        is handed over unexamined (a visitor that opens and fstats it spares a stat per file)
     */
    TreeWalker(boolean ignoreSymlinks, boolean readLinkTargets, boolean statFiles, Visitor visitor) {
        this.ignoreSymlinks = ignoreSymlinks;
        this.readLinkTargets = readLinkTargets;
        this.statFiles = statFiles;
        this.visitor = visitor;
    }

    /**
     * Splits an argument: trailing slashes go, and an empty argument, {@code .} or {@code ..} is refused
     * (their base name would not be a name the receiver could create).
     */
    static Argument parseArgument(String arg) throws TransferException {
        if (arg.isEmpty()) {
            throw new TransferException("an empty file name was given");
        }
        byte[] b = arg.getBytes(StandardCharsets.UTF_8);
        int end = b.length;
        while (end > 1 && b[end - 1] == '/') {
            end--;
        }
        int slash = -1;
        for (int i = end - 1; i >= 0; i--) {
            if (b[i] == '/') {
                slash = i;
                break;
            }
        }
        byte[] base = Arrays.copyOfRange(b, slash + 1, end);
        if (base.length == 0 || Arrays.equals(base, new byte[] {'.'}) || Arrays.equals(base, new byte[] {'.', '.'})) {
            throw new TransferException("cannot send \"" + arg + "\": give the name of a file or folder, not "
                    + (base.length == 0 ? "the root folder" : "\".\" or \"..\""));
        }
        byte[] parent = slash < 0 ? new byte[] {'.'} : slash == 0 ? new byte[] {'/'} : Arrays.copyOf(b, slash);
        return new Argument(parent, base);
    }

    void walk(List<Argument> args) throws IOException {
        for (Argument a : args) {
            try (Fd dir = open(Fd.CWD, a.parent(), Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC,
                    a.parent())) {
                visit(dir, a.base(), a.base());
            }
        }
    }

    private void visit(Fd dir, byte[] base, byte[] name) throws IOException {
        Stat st;
        try {
            st = dir.stat(base, Posix.AT_SYMLINK_NOFOLLOW);
        } catch (ErrnoException e) {
            throw failure("cannot read", name, e);
        }
        if (st.isRegularFile()) {
            visitor.regularFile(name, dir, base, st);
        } else if (st.isDirectory()) {
            visitDirectory(dir, base, name, st);
        } else if (st.isSymlink()) {
            if (!ignoreSymlinks) {
                byte[] target = null;
                if (readLinkTargets) {
                    try {
                        target = dir.readlink(base, MAX_LINK_TARGET);
                    } catch (ErrnoException e) {
                        throw failure("cannot read the link", name, e);
                    }
                }
                visitor.symlink(name, st, target);
            }
        } else {
            visitor.skipped(name, st);
        }
    }

    private void visitDirectory(Fd parent, byte[] base, byte[] name, Stat st) throws IOException {
        try (Fd dir = open(parent, base, Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC,
                name)) {
            visitor.directory(name, st, false);
            List<Fd.Entry> entries;
            try {
                entries = dir.listTyped(MAX_DIR_ENTRIES);
            } catch (ErrnoException e) {
                throw failure("cannot list", name, e);
            }
            entries.sort((a, b) -> Arrays.compareUnsigned(a.name(), b.name()));
            for (Fd.Entry entry : entries) {
                byte[] e = entry.name();
                byte[] child = new byte[name.length + 1 + e.length];
                System.arraycopy(name, 0, child, 0, name.length);
                child[name.length] = '/';
                System.arraycopy(e, 0, child, name.length + 1, e.length);
                if (!statFiles && entry.type() == Fd.Entry.DT_REG) {
                    visitor.regularFile(child, dir, e, null);
                } else {
                    visit(dir, e, child);
                }
            }
            visitor.directory(name, st, true);
        }
    }

    private static Fd open(Fd dir, byte[] path, int flags, byte[] shownName) throws TransferException {
        try {
            return openNoAtime(dir, path, flags);
        } catch (ErrnoException e) {
            throw failure("cannot open", shownName, e);
        }
    }

    /**
     * Opens without updating the access time where the kernel allows it (owner or CAP_FOWNER): the sender
     * reports each file's atime as it was, and reading must not change it between the survey and the send.
     */
    static Fd openNoAtime(Fd dir, byte[] path, int flags) throws ErrnoException {
        try {
            return dir.open(path, flags | Posix.O_NOATIME, 0);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EPERM) {
                throw e;
            }
            return dir.open(path, flags, 0);
        }
    }

    static TransferException failure(String what, byte[] name, ErrnoException e) {
        String why = e.errno() == Errno.ENOENT ? "it does not exist" : Errno.describe(e.errno());
        return new TransferException(what + " \"" + new String(name, StandardCharsets.UTF_8) + "\": " + why, e);
    }
}
