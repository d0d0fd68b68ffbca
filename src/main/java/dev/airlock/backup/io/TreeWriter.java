package dev.airlock.backup.io;

import dev.airlock.backup.BackupFormatException;
import dev.airlock.backup.TarEntry;
import dev.airlock.backup.TarReader;
import dev.airlock.sys.Errno;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Fd;
import dev.airlock.sys.Posix;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Extracts one inner archive of a backup into a new, empty folder, or only checks it when there is no folder
 * (verify-only). Only members named {@code PREFIX} or {@code PREFIX/...} are accepted, each component a plain
 * name (no {@code ..}, no {@code .}, no empty one); everything is created relative to the folder's descriptor,
 * parents opened with {@code O_NOFOLLOW}, files created with {@code O_EXCL}: a member can neither leave the
 * folder, nor pass through a symbolic link an earlier member made, nor replace an earlier member. Caps on bytes
 * and members come from the authenticated qubes.xml.
 */
final class TreeWriter {

    private static final int BUFFER = 1 << 20;

    private record DirectoryTimes(List<byte[]> path, int mode, long mtime) {
    }

    private final Fd root;
    private final String prefix;
    private final long maxBytes;
    private final long maxMembers;
    private final Progress progress;
    private final List<DirectoryTimes> directories = new ArrayList<>();
    private long bytes;
    private long members;

    /**
     * @param root the folder to fill, or {@code null} to check only
     */
    TreeWriter(Fd root, String prefix, long maxBytes, long maxMembers, Progress progress) {
        this.root = root;
        this.prefix = prefix;
        this.maxBytes = maxBytes;
        this.maxMembers = maxMembers;
        this.progress = progress;
    }

    /** Reads the whole archive, extracting what it holds. */
    void extract(TarReader tar) throws IOException {
        byte[] heap = new byte[BUFFER];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(BUFFER);
            for (TarEntry e = tar.next(); e != null; e = tar.next()) {
                if (++members > maxMembers) {
                    throw new BackupFormatException(prefix + " holds more than the " + maxMembers
                            + " members its qubes.xml declares");
                }
                List<byte[]> path = components(e.name());
                if (e.type() == TarEntry.Type.FILE) {
                    if (e.size() > maxBytes - bytes) {
                        throw new BackupFormatException(prefix + ": member " + e.name() + " declares " + e.size()
                                + " bytes, more than the " + maxBytes + " bytes its qubes.xml declares in all");
                    }
                    bytes += e.size();
                }
                if (root == null) {
                    drain(tar, heap);
                    continue;
                }
                try {
                    create(e, path, tar, heap, segment);
                } catch (ErrnoException x) {
                    throw refusal(e.name(), x);
                }
            }
            if (root != null) {
                for (int i = directories.size() - 1; i >= 0; i--) {
                    DirectoryTimes d = directories.get(i);
                    try (Fd dir = walk(d.path(), d.path().size())) {
                        dir.chmod(d.mode() & 01777);
                        dir.setTimes(d.mtime(), 0, d.mtime(), 0);
                    }
                }
            }
        }
    }

    /** Bytes of file data the archive held. */
    long bytes() {
        return bytes;
    }

    private void create(TarEntry e, List<byte[]> path, TarReader tar, byte[] heap, MemorySegment segment)
            throws IOException {
        if (path.isEmpty()) {
            if (e.type() != TarEntry.Type.DIRECTORY) {
                throw new BackupFormatException(prefix + ": the member named like the archive is not a folder");
            }
            directories.add(new DirectoryTimes(path, e.mode(), e.mtime()));
            return;
        }
        byte[] name = path.getLast();
        try (Fd parent = walk(path, path.size() - 1)) {
            switch (e.type()) {
                case DIRECTORY -> {
                    try {
                        parent.mkdir(name, 0700);
                    } catch (ErrnoException x) {
                        if (x.errno() != Errno.EEXIST || !parent.stat(name, Posix.AT_SYMLINK_NOFOLLOW).isDirectory()) {
                            throw x;
                        }
                    }
                    directories.add(new DirectoryTimes(path, e.mode(), e.mtime()));
                }
                case SYMLINK -> parent.symlink(e.linkTarget().getBytes(StandardCharsets.UTF_8), name);
                case FILE -> {
                    try (Fd f = parent.open(name, Posix.O_WRONLY | Posix.O_CREAT | Posix.O_EXCL | Posix.O_NOFOLLOW
                            | Posix.O_CLOEXEC, 0600)) {
                        long left = e.size();
                        while (left > 0) {
                            int n = tar.read(heap, 0, (int) Math.min(heap.length, left));
                            MemorySegment.copy(heap, 0, segment, ValueLayout.JAVA_BYTE, 0, n);
                            f.writeFully(segment.asSlice(0, n));
                            left -= n;
                            progress.advanced(n);
                        }
                        f.chmod(e.mode() & 01777);
                        f.setTimes(e.mtime(), 0, e.mtime(), 0);
                    }
                }
            }
        }
    }

    /** Opens the folder of the first {@code depth} components, never through a link. */
    private Fd walk(List<byte[]> path, int depth) throws ErrnoException {
        Fd dir = root.open(".".getBytes(StandardCharsets.US_ASCII), Posix.O_RDONLY | Posix.O_DIRECTORY
                | Posix.O_CLOEXEC, 0);
        for (int i = 0; i < depth; i++) {
            try (Fd parent = dir) {
                dir = parent.open(path.get(i), Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW
                        | Posix.O_CLOEXEC, 0);
            }
        }
        return dir;
    }

    private void drain(TarReader tar, byte[] heap) throws IOException {
        int n;
        while ((n = tar.read(heap, 0, heap.length)) > 0) {
            progress.advanced(n);
        }
    }

    /** The components below the prefix; empty for the prefix itself. */
    private List<byte[]> components(String name) throws BackupFormatException {
        if (name.startsWith("/")) {
            throw new BackupFormatException(prefix + ": member " + name + " has an absolute name");
        }
        String rest;
        if (name.equals(prefix)) {
            rest = "";
        } else if (name.startsWith(prefix + "/")) {
            rest = name.substring(prefix.length() + 1);
        } else {
            throw new BackupFormatException(prefix + ": member " + name + " is outside " + prefix + "/");
        }
        List<byte[]> out = new ArrayList<>();
        if (rest.isEmpty()) {
            return out;
        }
        for (String c : rest.split("/", -1)) {
            if (c.isEmpty() || c.equals(".") || c.equals("..") || c.indexOf('\0') >= 0) {
                throw new BackupFormatException(prefix + ": member " + name + " has a '" + c
                        + "' component; refused");
            }
            out.add(c.getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    private BackupFormatException refusal(String member, ErrnoException x) {
        String why = switch (x.errno()) {
            case Errno.ELOOP, Errno.ENOTDIR -> "it would pass through a symbolic link or a file";
            case Errno.EEXIST -> "it is there already (a member given twice)";
            case Errno.ENOENT -> "its folder was not in the archive before it";
            default -> x.getMessage();
        };
        return new BackupFormatException(prefix + ": member " + member + " refused: " + why);
    }
}
