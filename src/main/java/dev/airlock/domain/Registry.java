package dev.airlock.domain;

import dev.airlock.policy.DomainView;
import dev.airlock.sys.Errno;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Fd;
import dev.airlock.sys.Posix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The domain registry: the file {@code domains.xml} in airlock's home folder, shared by the broker and the
 * command-line tools working without it ({@code docs/design-notes.md}, "The domain registry").
 * <ul>
 *   <li>{@link #read} holds a shared lock and {@link #update} an exclusive lock on the file itself for the whole
 *       call, so an update is a read-modify-write that no other process can interleave with.</li>
 *   <li>An update never changes the file in place: it writes a new file beside it, syncs it, locks it and
 *       renames it over the old one, so readers see the old registry or the new one, never a mixture, even
 *       after a crash.</li>
 *   <li>Because the file is replaced, a process that opened the old file and waited for its lock would get a
 *       lock on a file that is no longer the registry (seed 004). After every lock the locked file's identity
 *       (device and inode) is compared with the registry's path, and the open is retried if they differ.</li>
 *   <li>A lock belongs to the whole process and closing any channel to the file releases it, so access is also
 *       serialised between the threads of one process, and a thread that already holds the registry cannot
 *       take it again: that is a programming error ({@link IllegalStateException}, "lock already taken").</li>
 * </ul>
 * The file is parsed as untrusted input; a registry that breaks any rule is an error naming the file, the
 * domain and the rule, never silently repaired.
 */
public final class Registry {

    /** The registry file's name in the home folder. */
    public static final String FILE_NAME = "domains.xml";

    /** The largest registry file read; far above 10,000 domains with all their tags. */
    static final int MAX_BYTES = 16 << 20;

    /** Gives up when the file is replaced this many times between one open and its lock. */
    private static final int MAX_ATTEMPTS = 10_000;

    private static final ConcurrentMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path home;
    private final Path file;
    private final byte[] fileBytes;
    private final ReentrantLock inProcess;
    private final boolean checkIdentity;

    Registry(Path home, boolean checkIdentity) throws IOException {
        this.home = createHome(home).toRealPath();
        this.file = this.home.resolve(FILE_NAME);
        this.fileBytes = file.toString().getBytes(StandardCharsets.UTF_8);
        this.inProcess = IN_PROCESS.computeIfAbsent(file, f -> new ReentrantLock());
        this.checkIdentity = checkIdentity;
    }

    /** Root's default home: outside /root, which the domains' host users cannot pass through. */
    public static final Path ROOT_HOME = Path.of("/var/lib/airlock");

    /**
     * The registry in {@code home}, which is created (readable by the user only) if it does not exist. The
     * file itself is created by the first {@link #update}.
     */
    public static Registry open(Path home) throws IOException {
        return new Registry(home, true);
    }

    /**
     * airlock's home folder: {@code $AIRLOCK_HOME} if set, otherwise {@code $XDG_DATA_HOME/airlock}, with
     * {@code ~/.local/share} when {@code XDG_DATA_HOME} is unset or not absolute (the XDG base directory rules);
     * for root, {@code /var/lib/airlock} instead of the latter.
     */
    public static Path defaultHome(Map<String, String> env) {
        String airlock = env.get("AIRLOCK_HOME");
        if (airlock != null && !airlock.isEmpty()) {
            return Path.of(airlock).toAbsolutePath();
        }
        String xdg = env.get("XDG_DATA_HOME");
        if (xdg != null && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "airlock");
        }
        if ("root".equals(System.getProperty("user.name"))) {
            // Root's domains run as unprivileged host users, who cannot pass through /root (0700).
            return ROOT_HOME;
        }
        String userHome = env.get("HOME");
        if (userHome == null || userHome.isEmpty()) {
            userHome = System.getProperty("user.home");
        }
        return Path.of(userHome, ".local", "share", "airlock");
    }

    /** The home folder (its real path). */
    public Path home() {
        return home;
    }

    /** The registry file. */
    public Path file() {
        return file;
    }

    /**
     * The folder that holds a domain's files, {@code domains/NAME} in the home folder. The name is checked,
     * so the folder is always directly inside {@code domains}.
     *
     * @throws IllegalArgumentException if {@code name} is not a valid domain name
     */
    public Path domainFolder(String name) {
        return home.resolve("domains").resolve(DomainNames.requireName("domain name", name));
    }

    /**
     * Applies {@code query} to the current domains under a shared lock; a registry that does not exist yet
     * holds no domains.
     *
     * @throws IOException if the registry cannot be read or is not valid
     * @throws IllegalStateException if this thread is already inside {@code read} or {@code update}
     */
    public <T> T read(Function<Domains, T> query) throws IOException {
        Objects.requireNonNull(query);
        enter();
        try (Locked locked = lock(true)) {
            return query.apply(locked == null ? Domains.empty() : load(locked.channel()));
        } finally {
            inProcess.unlock();
        }
    }

    /**
     * A snapshot of the registry as the policy sees it (see {@link Domains#asView}): consistent for as long as
     * the caller keeps it, however the registry changes meanwhile.
     */
    public DomainView view(Predicate<String> running) throws IOException {
        return read(domains -> domains.asView(running));
    }

    /**
     * Replaces the domains with {@code change} applied to them, under an exclusive lock held from the read to
     * the save. Nothing is written if {@code change} throws or returns equal domains.
     *
     * @return the domains now stored
     * @throws IOException if the registry cannot be read, is not valid, or cannot be saved
     * @throws IllegalStateException if this thread is already inside {@code read} or {@code update}
     */
    public Domains update(UnaryOperator<Domains> change) throws IOException {
        Objects.requireNonNull(change);
        enter();
        try (Locked locked = lock(false)) {
            Domains current = load(locked.channel());
            Domains next = Objects.requireNonNull(change.apply(current), "the change returned no domains");
            if (!next.equals(current)) {
                save(next);
            }
            return next;
        } finally {
            inProcess.unlock();
        }
    }

    private void enter() {
        if (inProcess.isHeldByCurrentThread()) {
            throw new IllegalStateException("lock already taken: this thread already holds the registry " + file
                    + " (read or update called from inside read or update)");
        }
        inProcess.lock();
    }

    /** An open, locked registry file; {@code fd} stays open as long as the channel so its identity can be read. */
    private record Locked(Fd fd, FileChannel channel) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                channel.close();
            } finally {
                // Closed after the channel: closing any descriptor of the file releases the process's lock.
                fd.close();
            }
        }
    }

    /** Locks the registry file; {@code null} for a shared lock when there is no registry yet. */
    private Locked lock(boolean shared) throws IOException {
        int flags = (shared ? Posix.O_RDONLY : Posix.O_RDWR) | Posix.O_CLOEXEC | Posix.O_NOFOLLOW | Posix.O_NOCTTY;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Fd fd;
            try {
                fd = Fd.CWD.open(fileBytes, flags, 0);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw new IOException(file + ": cannot open: " + e.getMessage(), e);
                }
                if (shared) {
                    return null;
                }
                createEmpty();
                continue;
            }
            boolean keep = false;
            FileChannel channel = null;
            try {
                // The descriptor gives the identity of the file opened (fstat through /proc); the channel
                // reopened from it is the same file and is what Java can lock.
                Path handle = Path.of(new String(fd.procPath(), StandardCharsets.US_ASCII));
                channel = shared ? FileChannel.open(handle, StandardOpenOption.READ)
                        : FileChannel.open(handle, StandardOpenOption.READ, StandardOpenOption.WRITE);
                channel.lock(0, Long.MAX_VALUE, shared);
                if (!checkIdentity || isStillTheRegistry(handle)) {
                    keep = true;
                    return new Locked(fd, channel);
                }
            } finally {
                if (!keep) {
                    if (channel != null) {
                        channel.close();
                    }
                    fd.close();
                }
            }
        }
        throw new IOException(file + ": the file was replaced " + MAX_ATTEMPTS + " times while waiting for its lock");
    }

    /** Whether the open file is the one the registry's path names now (it was not replaced while we waited). */
    private boolean isStillTheRegistry(Path handle) throws IOException {
        Object locked = Files.readAttributes(handle, BasicFileAttributes.class).fileKey();
        try {
            Object current = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .fileKey();
            return locked != null && locked.equals(current);
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** Reads through the locked channel: reopening the path could reach another file, and closing would unlock. */
    private Domains load(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size > MAX_BYTES) {
            throw new IOException(file + ": larger than " + MAX_BYTES + " bytes");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size + 1);
        long position = 0;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, position);
            if (n < 0) {
                break;
            }
            position += n;
        }
        if (position > size) {
            throw new IOException(file + ": changed while being read, although locked");
        }
        try {
            return RegistryXml.parse(Arrays.copyOf(buf.array(), (int) position));
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private void save(Domains domains) throws IOException {
        byte[] xml = RegistryXml.write(domains);
        Path tmp = Files.createTempFile(home, "." + FILE_NAME + ".", ".tmp");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(xml);
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                out.force(true);
                // Whoever opens the registry once it has been renamed waits until this update is complete.
                out.lock();
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                syncDirectory();
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Creates an empty registry if there is none, atomically: a link never replaces an existing file. */
    private void createEmpty() throws IOException {
        Path tmp = Files.createTempFile(home, "." + FILE_NAME + ".", ".tmp");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                out.write(ByteBuffer.wrap(RegistryXml.write(Domains.empty())));
                out.force(true);
            }
            try {
                Files.createLink(file, tmp);
                syncDirectory();
            } catch (FileAlreadyExistsException e) {
                // Another process created it first; theirs is as empty as ours.
            }
        } finally {
            Files.delete(tmp);
        }
    }

    /** Makes the rename durable: it is a change to the folder, not to the file. */
    private void syncDirectory() throws IOException {
        try (FileChannel dir = FileChannel.open(home, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private static Path createHome(Path home) throws IOException {
        if (!Files.isDirectory(home)) {
            Path parent = home.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                Files.createDirectory(home, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(home)) {
                    throw new IOException(home + ": exists and is not a folder", e);
                }
            }
        }
        return home;
    }
}
