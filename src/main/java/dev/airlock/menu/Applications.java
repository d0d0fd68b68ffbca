package dev.airlock.menu;

import dev.airlock.sys.Errno;
import dev.airlock.xdg.MalformedEntryException;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Fd;
import dev.airlock.sys.Posix;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The applications a domain has: the {@code .desktop} files of the system folders it sees (the host's, read-only)
 * and of its own home ({@code ~/.local/share/applications}, which overrides them by id, as XDG says). The home's
 * folder is the domain's: it is walked by descriptors that never follow a link, and its files are bounded and
 * parsed fail-closed ({@link AppEntry}); an entry that does not parse is left out and said so.
 */
public final class Applications {
    /** The system folders, as the domain sees them. */
    public static final List<Path> SYSTEM = List.of(Path.of("/usr/share/applications"),
            Path.of("/usr/local/share/applications"));
    /** The most files read from one folder. */
    static final int MAX_FILES = 4096;
    private static final String SUFFIX = ".desktop";

    /** The applications found, by id, and the files left out with the reason. */
    public record Found(Map<String, AppEntry> apps, List<String> refused) {
        public Found {
            apps = Map.copyOf(apps);
            refused = List.copyOf(refused);
        }

        /** The application whose id is {@code app}, else the one whose command is {@code app}. */
        public Optional<AppEntry> find(String app) {
            AppEntry byId = apps.get(app);
            if (byId != null) {
                return Optional.of(byId);
            }
            return new TreeMap<>(apps).values().stream().filter(a -> a.command().equals(app)).findFirst();
        }

        /** The applications to offer, by id. */
        public List<AppEntry> listed() {
            return new TreeMap<>(apps).values().stream().filter(AppEntry::listed).toList();
        }
    }

    private Applications() {
    }

    /**
     * The applications of a domain whose home is at {@code domainHome} on the host (empty: only the system
     * folders), the system folders being {@code system}.
     */
    public static Found of(List<Path> system, Optional<Path> domainHome) throws IOException {
        Map<String, AppEntry> apps = new TreeMap<>();
        List<String> refused = new ArrayList<>();
        for (Path folder : system.reversed()) {
            for (Map.Entry<String, byte[]> f : systemFiles(folder).entrySet()) {
                add(apps, refused, folder, f.getKey(), f.getValue());
            }
        }
        if (domainHome.isPresent()) {
            Path folder = domainHome.get().resolve(".local/share/applications");
            for (Map.Entry<String, byte[]> f : homeFiles(domainHome.get(), refused).entrySet()) {
                add(apps, refused, folder, f.getKey(), f.getValue());
            }
        }
        return new Found(apps, refused);
    }

    private static void add(Map<String, AppEntry> apps, List<String> refused, Path folder, String file,
                            byte[] bytes) {
        String id = file.substring(0, file.length() - SUFFIX.length());
        try {
            apps.put(id, AppEntry.parse(id, bytes));
        } catch (MalformedEntryException e) {
            apps.remove(id);
            refused.add(folder.resolve(file) + ": " + e.getMessage());
        }
    }

    private static Map<String, byte[]> systemFiles(Path folder) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        if (!Files.isDirectory(folder)) {
            return files;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(folder, "*" + SUFFIX)) {
            for (Path p : s) {
                if (files.size() == MAX_FILES) {
                    break;
                }
                if (!Files.isRegularFile(p)) {
                    continue;
                }
                try (InputStream in = Files.newInputStream(p)) {
                    files.put(p.getFileName().toString(), in.readNBytes(AppEntry.MAX_BYTES + 1));
                }
            }
        }
        return files;
    }

    /** The home's {@code .desktop} files, read without following any link; none when the folder is not there. */
    private static Map<String, byte[]> homeFiles(Path home, List<String> refused) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        int dirFlags = Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC;
        Fd dir;
        try {
            dir = Fd.CWD.open(bytes(home.toString()), dirFlags, 0);
            for (String step : List.of(".local", "share", "applications")) {
                try (Fd parent = dir) {
                    dir = parent.open(bytes(step), dirFlags, 0);
                }
            }
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return files;
            }
            refused.add(home + "/.local/share/applications: " + e.getMessage()
                    + (e.errno() == Errno.ELOOP || e.errno() == Errno.ENOTDIR ? " (a link: not followed)" : ""));
            return files;
        }
        try (Fd folder = dir; Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(8192);
            for (byte[] raw : folder.list(MAX_FILES)) {
                String name = new String(raw, StandardCharsets.UTF_8);
                if (!name.endsWith(SUFFIX) || !AppEntry.validId(name.substring(0, name.length() - SUFFIX.length()))
                        || !Arrays.equals(bytes(name), raw)) {
                    continue;
                }
                try (Fd f = folder.open(raw, Posix.O_RDONLY | Posix.O_NOFOLLOW | Posix.O_NONBLOCK
                        | Posix.O_CLOEXEC | Posix.O_NOCTTY, 0)) {
                    if (!f.stat().isRegularFile()) {
                        refused.add(name + ": not a regular file");
                        continue;
                    }
                    files.put(name, readBounded(f, buf));
                } catch (ErrnoException e) {
                    refused.add(name + ": " + e.getMessage()
                            + (e.errno() == Errno.ELOOP ? " (a link: not followed)" : ""));
                }
            }
        }
        return files;
    }

    private static byte[] readBounded(Fd f, MemorySegment buf) throws ErrnoException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n;
        while (out.size() <= AppEntry.MAX_BYTES && (n = f.read(buf)) > 0) {
            out.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, (int) n);
        }
        return out.toByteArray();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
