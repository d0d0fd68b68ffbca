package dev.airlock.filecopy;

import dev.airlock.sys.Errno;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Fd;
import dev.airlock.sys.Posix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where a receiver puts a stream: its default folder (for a domain {@code ~/QubesIncoming/SOURCE}), a subfolder of
 * it the sender asked for ({@code to inbox/2026}), or a folder under the receiver's home that the receiver itself
 * listed as allowed ({@code to ~/Documents/inbox} when {@code Documents} is listed) — qubes-issues #930.
 *
 * <p>The sender's request is hostile: it must pass the same {@link NameRules} as an entry's name (relative, no
 * {@code .} or {@code ..} component), and it is opened one component at a time with {@code O_NOFOLLOW}, so a
 * symlink on the way (planted by an earlier copy or anyone else) is refused rather than followed. Missing folders
 * below the default or below an allowed folder are created 0700; an allowed folder itself must exist.
 */
public final class Destinations {
    /** Prefix of a request for a folder under the receiver's home. */
    public static final String HOME_PREFIX = "~/";
    private static final int DIR_FLAGS = Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC;

    private final Path defaultFolder;
    private final Path home;
    private final List<byte[][]> allowed;
    /** The default folder's components below {@link #home}, opened one at a time; null: the folder is trusted. */
    private final byte[][] belowHome;

    private Destinations(Path defaultFolder, Path home, List<byte[][]> allowed, byte[][] belowHome) {
        this.defaultFolder = defaultFolder;
        this.home = home;
        this.allowed = allowed;
        this.belowHome = belowHome;
    }

    /** Only {@code folder} and folders below it; no folder under a home can be asked for. */
    public static Destinations fixed(Path folder) {
        return new Destinations(folder, null, List.of(), null);
    }

    /**
     * {@code home/QubesIncoming/source} and folders below it, for a receiver whose home belongs to someone else than
     * the program (the host's receiver, root writing as the desktop user): only {@code home} is opened by its path;
     * {@code QubesIncoming} and {@code source} are created 0700 and opened one at a time without following links, so
     * a link the user (or anyone) put there is refused (ENOTDIR), never followed out of the home.
     */
    public static Destinations belowHome(Path home, String source) {
        byte[][] parts = {"QubesIncoming".getBytes(StandardCharsets.UTF_8), source.getBytes(StandardCharsets.UTF_8)};
        if (NameRules.checkName(source.getBytes(StandardCharsets.UTF_8), false) != NameRules.OK
                || source.indexOf('/') >= 0) {
            throw new IllegalArgumentException("\"" + source + "\" is not a domain name");
        }
        return new Destinations(home.resolve("QubesIncoming").resolve(source), home, List.of(), parts);
    }

    /**
     * {@code home/QubesIncoming/source} and folders below it, and the folders {@code allowed} (relative to
     * {@code home}) and below them.
     *
     * @throws IllegalArgumentException when an allowed folder is not a plain relative path or has a hidden
     *                                  component (which would let a sender write into {@code ~/.config} and so
     *                                  change the receiver's own settings)
     */
    public static Destinations forDomain(Path home, String source, List<String> allowed) {
        List<byte[][]> parsed = new ArrayList<>();
        for (String a : allowed) {
            parsed.add(allowedFolder(a));
        }
        return new Destinations(home.resolve("QubesIncoming").resolve(source), home, List.copyOf(parsed), null);
    }

    /**
     * Checks one allowed folder as a receiver wrote it.
     *
     * @throws IllegalArgumentException with why it cannot be a destination
     */
    public static void allowedFolderCheck(String folder) {
        allowedFolder(folder);
    }

    /** Checks one allowed folder as the receiver wrote it; returns its components. */
    private static byte[][] allowedFolder(String folder) {
        byte[] b = folder.getBytes(StandardCharsets.UTF_8);
        if (NameRules.checkName(b, true) != NameRules.OK) {
            throw new IllegalArgumentException("\"" + folder + "\" is not a folder relative to the home folder");
        }
        byte[][] parts = components(b);
        for (byte[] p : parts) {
            if (p[0] == '.') {
                throw new IllegalArgumentException("\"" + folder + "\" has a hidden component: such folders hold"
                        + " settings and cannot be a destination");
            }
        }
        return parts;
    }

    /**
     * Opens the folder for {@code request} ({@code null}: the default) and returns its descriptor. A request that
     * breaks the name rules is EILSEQ, a folder under the home that is not allowed EACCES, a symlink or
     * non-directory on the way ENOTDIR, a missing allowed folder ENOENT.
     */
    Fd open(String request, boolean allowAllNames) throws Refusal, IOException {
        if (request == null) {
            return openDefault();
        }
        boolean underHome = request.startsWith(HOME_PREFIX);
        byte[] rel = (underHome ? request.substring(HOME_PREFIX.length()) : request).getBytes(StandardCharsets.UTF_8);
        if (NameRules.checkName(rel, allowAllNames) != NameRules.OK) {
            throw new Refusal(Errno.EILSEQ);
        }
        byte[][] parts = components(rel);
        if (!underHome) {
            return descend(openDefault(), parts, 0);
        }
        int keep = allowedPrefix(parts);
        if (keep < 0) {
            throw new Refusal(Errno.EACCES);
        }
        return descend(openPath(home), parts, keep);
    }

    /** Length of the allowed folder that {@code parts} is in or below, or -1. */
    private int allowedPrefix(byte[][] parts) {
        for (byte[][] a : allowed) {
            if (a.length <= parts.length && Arrays.equals(a, 0, a.length, parts, 0, a.length, Arrays::compare)) {
                return a.length;
            }
        }
        return -1;
    }

    /**
     * Opens {@code parts} below {@code fd} (which it takes over), without following symlinks; components from
     * {@code createFrom} on are created 0700 when missing.
     */
    private static Fd descend(Fd fd, byte[][] parts, int createFrom) throws Refusal, ErrnoException {
        try {
            for (int i = 0; i < parts.length; i++) {
                if (i >= createFrom) {
                    try {
                        fd.mkdir(parts[i], 0700);
                    } catch (ErrnoException e) {
                        if (e.errno() != Errno.EEXIST) {
                            throw e;
                        }
                    }
                }
                Fd next;
                try {
                    next = fd.open(parts[i], DIR_FLAGS, 0);
                } catch (ErrnoException e) {
                    if (e.errno() == Errno.ELOOP || e.errno() == Errno.ENOTDIR) {
                        throw new Refusal(Errno.ENOTDIR);
                    }
                    if (e.errno() == Errno.ENOENT) {
                        throw new Refusal(Errno.ENOENT);
                    }
                    throw e;
                }
                fd.close();
                fd = next;
            }
            return fd;
        } catch (Refusal | ErrnoException e) {
            fd.close();
            throw e;
        }
    }

    /** The default folder, created 0700 if missing (its own path is the receiver's, trusted). */
    private Fd openDefault() throws IOException, Refusal {
        if (belowHome != null) {
            try {
                return descend(openPath(home), belowHome, 0);
            } catch (Refusal r) {
                // The folder is named as the user sees it in the home, whatever component was refused.
                throw new Refusal(r.code, (new String(belowHome[0], StandardCharsets.UTF_8) + "/"
                        + new String(belowHome[1], StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] path = defaultFolder.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
        try {
            Fd.CWD.mkdir(path, 0700);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new IOException("the parent of " + defaultFolder + " does not exist");
            }
            if (e.errno() != Errno.EEXIST) {
                throw new IOException("cannot create " + defaultFolder + ": " + Errno.describe(e.errno()));
            }
        }
        return openPath(defaultFolder);
    }

    private static Fd openPath(Path p) throws IOException {
        byte[] path = p.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
        try {
            return Fd.CWD.open(path, Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            throw new IOException("cannot open " + p + ": " + Errno.describe(e.errno()));
        }
    }

    private static byte[][] components(byte[] path) {
        List<byte[]> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= path.length; i++) {
            if (i == path.length || path[i] == '/') {
                parts.add(Arrays.copyOfRange(path, start, i));
                start = i + 1;
            }
        }
        return parts.toArray(new byte[0][]);
    }
}
