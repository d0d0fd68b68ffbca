package dev.airlock.menu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes the file-manager actions into a user's folders and removes them again. Idempotent: a file whose content is
 * already right is left alone and reported unchanged. Only airlock's own files are replaced or removed: a file is
 * airlock's when it is a regular file (not a link) that contains {@link FileManagers#MARKER}; any other file in the
 * way is kept and reported.
 */
public final class Installation {
    /** The largest file of ours that is read back (to compare, or to recognise before removing). */
    static final int MAX_BYTES = 1024 * 1024;

    private Installation() {
    }

    /** What happened to one file. */
    public enum Status {
        WRITTEN("wrote"), UPDATED("updated"), UNCHANGED("unchanged"), REMOVED("removed"),
        NOT_OURS("kept (not written by airlock, left alone)");

        private final String words;

        Status(String words) {
            this.words = words;
        }

        /** How the listing says it. */
        public String words() {
            return words;
        }
    }

    /** One file and what happened to it. */
    public record Change(Path path, Status status) {
    }

    /** The user's XDG base folders: {@code $XDG_DATA_HOME} and {@code $XDG_CONFIG_HOME}, absolute. */
    public record Dirs(Path dataHome, Path configHome) {
        /**
         * From the environment, as the XDG Base Directory Specification says: an unset or relative variable means
         * {@code ~/.local/share} and {@code ~/.config}.
         */
        public static Dirs of(Map<String, String> env) {
            String home = env.get("HOME");
            if (home == null || !home.startsWith("/")) {
                throw new IllegalArgumentException("$HOME is not set to an absolute path");
            }
            return new Dirs(base(env.get("XDG_DATA_HOME"), Path.of(home, ".local", "share")),
                    base(env.get("XDG_CONFIG_HOME"), Path.of(home, ".config")));
        }

        private static Path base(String value, Path fallback) {
            return value != null && value.startsWith("/") ? Path.of(value) : fallback;
        }

        /** {@code ~/.local/share/applications}: the menu's entries. */
        public Path applications() {
            return dataHome.resolve("applications");
        }
    }

    /** Writes {@code side}'s actions for every file manager. */
    public static List<Change> install(FileManagers.Side side, Dirs dirs) throws IOException {
        checkUsable(dirs.dataHome());
        List<Change> changes = new ArrayList<>();
        for (FileManagers.DataFile f : FileManagers.files(side, dirs.dataHome())) {
            changes.add(writeOurs(dirs.dataHome().resolve(f.path()), f.content(), f.executable()));
        }
        changes.add(thunar(dirs, side.actions()));
        return changes;
    }

    /** Removes {@code side}'s actions: only the files that carry airlock's marker, and airlock's Thunar actions. */
    public static List<Change> uninstall(FileManagers.Side side, Dirs dirs) throws IOException {
        List<Change> changes = new ArrayList<>();
        for (FileManagers.DataFile f : FileManagers.files(side, dirs.dataHome())) {
            Path p = dirs.dataHome().resolve(f.path());
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                changes.add(removeOurs(p));
            }
        }
        Path uca = uca(dirs);
        if (Files.exists(uca, LinkOption.NOFOLLOW_LINKS)) {
            changes.add(thunar(dirs, List.of()));
        }
        try {
            Files.deleteIfExists(dirs.dataHome().resolve(FileManagers.SCRIPTS));
        } catch (DirectoryNotEmptyException e) {
            // Something else is in it; it stays.
        }
        return changes.stream().filter(c -> c.status() != Status.UNCHANGED).toList();
    }

    private static Path uca(Dirs dirs) {
        return dirs.configHome().resolve("Thunar").resolve("uca.xml");
    }

    private static Change thunar(Dirs dirs, List<FileAction> actions) throws IOException {
        Path uca = uca(dirs);
        String current = null;
        if (Files.exists(uca, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isRegularFile(uca, LinkOption.NOFOLLOW_LINKS)) {
                return new Change(uca, Status.NOT_OURS);
            }
            current = new String(readBounded(uca), StandardCharsets.UTF_8);
        }
        String merged;
        try {
            merged = ThunarActions.merge(current, actions, dirs.dataHome());
        } catch (ThunarActions.UnreadableFileException e) {
            throw new IOException(uca + " cannot be changed safely, it is left as it is: " + e.getMessage());
        }
        if (merged == null || merged.equals(current)) {
            return new Change(uca, Status.UNCHANGED);
        }
        replace(uca, merged.getBytes(StandardCharsets.UTF_8), false);
        return new Change(uca, actions.isEmpty() ? Status.REMOVED : current == null ? Status.WRITTEN
                : Status.UPDATED);
    }

    /**
     * Writes {@code content} at {@code p} unless it is there already; replaces only a file of ours, and never
     * follows a link.
     */
    static Change writeOurs(Path p, String content, boolean executable) throws IOException {
        return writeOurs(p, content.getBytes(StandardCharsets.UTF_8), executable);
    }

    /** {@link #writeOurs(Path, String, boolean)} for bytes that carry the marker themselves or beside them. */
    static Change writeOurs(Path p, byte[] content, boolean executable) throws IOException {
        Status status = Status.WRITTEN;
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            if (!isOurs(p)) {
                return new Change(p, Status.NOT_OURS);
            }
            if (Arrays.equals(readBounded(p), content) && Files.isExecutable(p) == executable) {
                return new Change(p, Status.UNCHANGED);
            }
            status = Status.UPDATED;
        }
        replace(p, content, executable);
        return new Change(p, status);
    }

    /** Removes {@code p} if it is airlock's. */
    static Change removeOurs(Path p) throws IOException {
        if (!isOurs(p)) {
            return new Change(p, Status.NOT_OURS);
        }
        Files.delete(p);
        return new Change(p, Status.REMOVED);
    }

    /** Whether {@code p} is a regular file (not a link) of ours: one that contains the marker. */
    static boolean isOurs(Path p) throws IOException {
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        byte[] marker = FileManagers.MARKER.getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = readBounded(p);
        outer:
        for (int i = 0; i + marker.length <= bytes.length; i++) {
            for (int j = 0; j < marker.length; j++) {
                if (bytes[i + j] != marker[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static byte[] readBounded(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new IOException(p + " is larger than " + MAX_BYTES + " bytes; it is left as it is");
            }
            return bytes;
        }
    }

    /** Replaces {@code p} whole (a reader never sees half a file), through a temporary file beside it. */
    private static void replace(Path p, byte[] content, boolean executable) throws IOException {
        Files.createDirectories(p.getParent());
        Path tmp = Files.createTempFile(p.getParent(), ".airlock-", ".tmp");
        try {
            Files.write(tmp, content);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(executable ? "rwxr-xr-x"
                    : "rw-r--r--"));
            Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The data home goes into command lines that Thunar expands %-codes in: it must not need that. */
    private static void checkUsable(Path dataHome) {
        String s = dataHome.toString();
        if (s.indexOf('%') >= 0 || s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("the data folder " + s.strip() + " holds a % or a control character,"
                    + " which file managers' command lines cannot carry; set XDG_DATA_HOME to another folder");
        }
    }
}
