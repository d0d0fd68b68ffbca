package dev.airlock.openinvm;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Posix;
import dev.airlock.sys.Trees;

/**
 * The service side of {@code qubes.OpenInVM} ({@code vm-file-editor}): receives the name field and the file into a
 * private folder, opens it with the domain's handler, waits for the handler, and sends the file back only when its
 * content changed (SHA-256 before and after, never modification times). The folder is removed in every case.
 *
 * <p>Exit code 0 means the reply is complete (empty when unchanged or view-only); anything else means the client
 * must keep its original.
 */
public final class FileEditor {
    /** The domain's settings file, relative to its home: {@code handler-timeout} (seconds), {@code max-bytes}. */
    public static final String SETTINGS = ".config/airlock/open-in-vm.conf";
    /** How long a handler may run by default: a user may keep a document open for a working day. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(24);
    private static final int MAX_HANDLER_OUTPUT = 16 * 1024;
    private static final int FAILED = 1;
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_FOLDER =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    /**
     * @param timeout    how long the handler may run before its process group is killed
     * @param maxBytes   the largest file accepted
     * @param tempRoot   where the private folder is made
     * @param workFolder the handler's working folder
     */
    record Settings(Duration timeout, long maxBytes, Path tempRoot, Path workFolder) {
    }

    private final Settings settings;
    private final Handlers handlers;

    FileEditor(Settings settings, Handlers handlers) {
        this.settings = settings;
        this.handlers = handlers;
    }

    /**
     * The service of the domain whose user's home is {@code home}, with its settings file read and {@code env} (the
     * agent's environment) giving {@code $EDITOR}.
     */
    public static FileEditor forDomain(Path home, Map<String, String> env) throws IOException {
        Properties p = new Properties();
        Path file = home.resolve(SETTINGS);
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(new StringReader(new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8)));
            }
        }
        Duration timeout = Duration.ofSeconds(positive(p, "handler-timeout", DEFAULT_TIMEOUT.toSeconds(), file));
        long maxBytes = positive(p, "max-bytes", OpenClient.DEFAULT_MAX_BYTES, file);
        return new FileEditor(new Settings(timeout, maxBytes, Path.of(System.getProperty("java.io.tmpdir")), home),
                Handlers.forHome(home, env));
    }

    private static long positive(Properties p, String key, long fallback, Path file) throws IOException {
        String v = p.getProperty(key);
        if (v == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v.strip());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Reported below, with the file and key.
        }
        throw new IOException(file + ": " + key + " must be a whole number above 0, not '" + v.strip() + "'");
    }

    /**
     * Serves one request read from {@code in}; the file goes back on {@code out} when changed, messages on
     * {@code err}. Returns the exit code.
     */
    public int serve(InputStream in, OutputStream out, OutputStream err) throws IOException, InterruptedException {
        PrintStream msg = new PrintStream(err, true, StandardCharsets.UTF_8);
        byte[] field = in.readNBytes(NameField.SIZE);
        NameField name;
        try {
            name = NameField.decode(field);
        } catch (NameField.InvalidNameException e) {
            msg.println("vm-file-editor: refused: " + e.getMessage());
            return FAILED;
        }
        Path folder = Files.createTempDirectory(settings.tempRoot(), "airlock-open-", PRIVATE_FOLDER);
        try {
            return edit(name, in, out, folder, msg);
        } finally {
            remove(folder, msg);
        }
    }

    private int edit(NameField name, InputStream in, OutputStream out, Path folder, PrintStream msg)
            throws IOException, InterruptedException {
        Path files = Files.createDirectory(folder.resolve("file"), PRIVATE_FOLDER);
        Path file = files.resolve(name.name());
        byte[] before;
        try (OutputStream f = Files.newOutputStream(Files.createFile(file,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                StandardOpenOption.WRITE)) {
            before = copy(in, f, settings.maxBytes());
        }
        if (before == null) {
            msg.println("vm-file-editor: refused: the file is larger than " + settings.maxBytes() + " bytes");
            return FAILED;
        }
        if (name.viewOnly()) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
        }
        var handler = handlers.choose(file);
        if (handler.isEmpty()) {
            msg.println("vm-file-editor: no program to open " + name.name() + ": " + handlers.searched(file));
            return FAILED;
        }
        Path log = folder.resolve("handler.log");
        Process p = new ProcessBuilder(Handlers.inOwnGroup(handler.get().argv()))
                .directory(settings.workFolder().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished;
        try {
            finished = p.waitFor(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            // The call is being ended (its caller is gone): the handler and what it started go with it.
            kill(p);
            throw e;
        }
        if (!finished) {
            kill(p);
            msg.println("vm-file-editor: " + handler.get().origin() + " did not finish within "
                    + settings.timeout().toSeconds() + " s and was killed; nothing is sent back");
            return FAILED;
        }
        if (p.exitValue() != 0) {
            passOn(log, msg);
            msg.println("vm-file-editor: " + handler.get().origin() + " failed (exit code " + p.exitValue()
                    + "); nothing is sent back");
            return FAILED;
        }
        if (name.viewOnly()) {
            return 0;
        }
        byte[] after;
        try (InputStream f = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            after = copy(f, OutputStream.nullOutputStream(), Long.MAX_VALUE);
        } catch (NoSuchFileException e) {
            msg.println("vm-file-editor: the handler removed " + name.name() + "; nothing is sent back");
            return FAILED;
        } catch (IOException e) {
            // For example a symlink left in its place (refused by NOFOLLOW_LINKS).
            msg.println("vm-file-editor: cannot read " + name.name() + " after the handler: " + e.getMessage());
            return FAILED;
        }
        if (Arrays.equals(before, after)) {
            return 0;
        }
        byte[] sent;
        try (InputStream f = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            sent = copy(f, out, Long.MAX_VALUE);
        }
        if (!Arrays.equals(sent, after)) {
            // The client keeps its original unless the exit code is 0, so a file still changing is never used.
            msg.println("vm-file-editor: " + name.name() + " changed while it was sent back");
            return FAILED;
        }
        return 0;
    }

    /** Copies {@code in} to {@code out}; returns the SHA-256 of what was copied, or null past {@code max} bytes. */
    private static byte[] copy(InputStream in, OutputStream out, long max) throws IOException {
        MessageDigest sha = sha256();
        byte[] b = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(b)) >= 0; ) {
            total += n;
            if (total > max) {
                return null;
            }
            sha.update(b, 0, n);
            out.write(b, 0, n);
        }
        out.flush();
        return sha.digest();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * Kills the handler's process group (it leads one, see {@link Handlers#inOwnGroup}) and what it started, and
     * waits for it; an interrupt during the wait is kept for the caller.
     */
    private static void kill(Process p) {
        List<ProcessHandle> descendants = p.descendants().toList();
        try {
            Posix.kill(-(int) p.pid(), Posix.SIGKILL);
        } catch (ErrnoException e) {
            // No such group (setsid was missing): the handler and its descendants are killed one by one below.
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        boolean interrupted = false;
        while (true) {
            try {
                p.waitFor();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The end of the handler's output, so that the caller learns why it failed. */
    private static void passOn(Path log, PrintStream msg) throws IOException {
        long size = Files.size(log);
        try (InputStream in = Files.newInputStream(log)) {
            in.skipNBytes(Math.max(0, size - MAX_HANDLER_OUTPUT));
            msg.print(new String(in.readNBytes(MAX_HANDLER_OUTPUT), StandardCharsets.UTF_8));
            msg.flush();
        }
    }

    private static void remove(Path folder, PrintStream msg) {
        try {
            // A handler may have taken the write permission away; the folder is removed all the same.
            Trees.deleteForcibly(folder);
        } catch (IOException e) {
            msg.println("vm-file-editor: could not remove " + folder + ": " + e.getMessage());
        }
    }
}
