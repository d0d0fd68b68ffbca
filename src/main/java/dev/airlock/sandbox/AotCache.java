package dev.airlock.sandbox;

import dev.airlock.contract.InDomain;
import dev.airlock.sys.Fd;
import dev.airlock.sys.Posix;
import dev.airlock.sys.Stat;
import dev.airlock.sys.Trees;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The ahead-of-time class cache (JDK 25, JEP 483 and 514) for the JVMs that run inside domains: the agent and the
 * in-domain commands. With it a JVM in a sandbox starts about 80 ms sooner (0.32 s to 0.24 s for a one-file copy
 * here), which every {@code qvm-copy}, every call from a domain and every disposable's start pays.
 * <p>
 * A cache holds the class path as the JVM saw it and is refused for any other, so it must be made by a JVM that
 * sees the jar where domains see it ({@value Bwrap#INSTALL}): one training run of a small copy in a sandbox. It
 * lives beside the jar ({@value #FILE}), bound read-only into every domain started once it exists (a domain
 * started before runs without it until it restarts), and one training serves every broker and every
 * {@code AIRLOCK_HOME} that runs this jar. An installation that the broker cannot write simply runs without it.
 */
public final class AotCache {
    /** The cache's name in the installation folder. */
    public static final String FILE = "airlock-domain.aot";
    /** Where a domain sees the cache. */
    public static final String IN_DOMAIN = InDomain.INSTALL + "/" + FILE;
    private static final long TRAINING_SECONDS = 120;
    /** The largest cache taken from the training; a real one is far smaller. */
    static final long MAX_BYTES = 256L << 20;
    private static final int COPY_BUFFER = 1 << 20;
    /** How long the training's processes (killed once bubblewrap has ended) have to be gone. */
    private static final long GONE_SECONDS = 5;

    private AotCache() {
    }

    /** The JVM option that makes a JVM in a domain use the cache, when a current one exists. */
    public static Optional<String> option(Path installDir) {
        return isCurrent(installDir) ? Optional.of("-XX:AOTCache=" + IN_DOMAIN) : Optional.empty();
    }

    /** True when the cache exists and was made after the jar it belongs to. */
    static boolean isCurrent(Path installDir) {
        try {
            FileTime cache = Files.getLastModifiedTime(installDir.resolve(FILE), LinkOption.NOFOLLOW_LINKS);
            FileTime jar = Files.getLastModifiedTime(installDir.resolve("airlock.jar"));
            return cache.compareTo(jar) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Makes the cache unless a current one exists; a stale one is removed first, so that no domain is started with
     * it meanwhile (a JVM given a cache of another jar complains on every start). Returns whether a current cache
     * exists afterwards; never throws: without a cache domains only start slower.
     *
     * @param scratch an empty folder of the broker's, removed afterwards
     */
    public static boolean refresh(Bwrap bwrap, Path installDir, Path jdkHome, Path scratch) {
        if (isCurrent(installDir)) {
            return true;
        }
        Path target = installDir.resolve(FILE);
        try {
            Files.deleteIfExists(target);
            if (!Files.isWritable(installDir)) {
                return false;
            }
            boolean root = Bwrap.launcherIsRoot();
            int trainer = root ? HostUser.TRAINING_ID : ownUid();
            Path made = train(bwrap, installDir, jdkHome, scratch, root);
            boolean gone = !root || endTrainer(trainer);
            if (made == null || !gone) {
                return false;
            }
            install(made, trainer, target);
            return isCurrent(installDir);
        } catch (IOException e) {
            return false;
        } finally {
            try {
                Trees.deleteForcibly(scratch);
            } catch (IOException e) {
                // A leftover scratch folder in the broker's home holds only the training's copy.
            }
        }
    }

    /**
     * Copies the training's cache {@code made} to {@code target}, readable by all. The training's user owns the
     * folder of {@code made} and could put a link to a host file there, or a file of someone else's: root would then
     * install that for every domain to read. So the copy reads from a descriptor opened without following a link,
     * and only a regular file of {@code trainer} with a single link and at most {@link #MAX_BYTES}.
     */
    static void install(Path made, int trainer, Path target) throws IOException {
        try (Fd fd = Fd.CWD.open(made.toString().getBytes(StandardCharsets.UTF_8),
                Posix.O_RDONLY | Posix.O_NOFOLLOW | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0)) {
            Stat st = fd.stat();
            if (!st.isRegularFile() || st.uid() != trainer || st.links() != 1 || st.size() > MAX_BYTES) {
                throw new IOException("refusing the trained class cache " + made + ": not a regular file of uid "
                        + trainer + " with one link and at most " + MAX_BYTES + " bytes");
            }
            Path tmp = Files.createTempFile(target.getParent(), "." + FILE, ".tmp");
            try {
                try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE);
                     Arena arena = Arena.ofConfined()) {
                    MemorySegment buf = arena.allocate(COPY_BUFFER);
                    long total = 0;
                    for (long n = fd.read(buf); n > 0; n = fd.read(buf)) {
                        total += n;
                        if (total > MAX_BYTES) {
                            throw new IOException("refusing the trained class cache " + made + ": it grew past "
                                    + MAX_BYTES + " bytes");
                        }
                        ByteBuffer chunk = buf.asSlice(0, n).asByteBuffer();
                        while (chunk.hasRemaining()) {
                            out.write(chunk);
                        }
                    }
                }
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Ends every process of the training's user and waits until they are gone: one still running could change the
     * cache while it is copied, and a sandbox left by a training that was stopped (bubblewrap's child can escape a
     * kill of the tree taken just before it forked) must not outlive it. Only the training runs as that user.
     * Returns whether they are gone.
     */
    private static boolean endTrainer(int trainer) {
        // Interrupted (a stopping broker), it still ends the processes; the interrupt is kept for the caller.
        boolean interrupted = Thread.interrupted();
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(GONE_SECONDS);
            do {
                List<ProcessHandle> left = ProcessHandle.allProcesses().filter(ph -> runsAs(ph, trainer)).toList();
                if (left.isEmpty()) {
                    return true;
                }
                left.forEach(ProcessHandle::destroyForcibly);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            } while (System.nanoTime() - end < 0);
            return false;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether {@code ph} is a live process (not a zombie, which writes nothing) with {@code uid} among its ids. */
    private static boolean runsAs(ProcessHandle ph, int uid) {
        List<String> status;
        try {
            status = Files.readAllLines(Path.of("/proc/" + ph.pid() + "/status"));
        } catch (IOException e) {
            // Gone meanwhile.
            return false;
        }
        boolean live = false;
        boolean ours = false;
        for (String line : status) {
            String[] f = line.split("\\s+");
            if (f[0].equals("State:") && f.length > 1) {
                live = !f[1].equals("Z") && !f[1].equals("X");
            } else if (f[0].equals("Uid:")) {
                for (int i = 1; i < f.length; i++) {
                    ours |= f[i].equals(Integer.toString(uid));
                }
            }
        }
        return live && ours;
    }

    private static int ownUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    /** Runs the training copy in a sandbox; returns the cache it wrote, or null. */
    private static Path train(Bwrap bwrap, Path installDir, Path jdkHome, Path scratch, boolean root)
            throws IOException {
        // bubblewrap runs as the unprivileged user and must reach the folders it binds.
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwx--x--x"));
        Path home = Files.createDirectories(scratch.resolve("home"));
        Path channel = Files.createDirectories(scratch.resolve("channel"));
        Files.createDirectories(home.resolve("src"));
        Files.writeString(home.resolve("src").resolve("file"), "airlock\n");
        HostUser user = new HostUser.Caller();
        if (root) {
            // Never root inside, like a domain: a user of its own, who owns only the scratch home.
            user = new HostUser.Switched(HostUser.TRAINING_ID, HostUser.TRAINING_ID);
            // Deepest first: the home is the trainer's only once nothing in it is left to change hands.
            for (Path p : List.of(home.resolve("src/file"), home.resolve("src"), home)) {
                Files.setAttribute(p, "unix:uid", HostUser.TRAINING_ID, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", HostUser.TRAINING_ID, LinkOption.NOFOLLOW_LINKS);
            }
        }
        String inside = InDomain.HOME + "/";
        List<String> command = new ArrayList<>(List.of(jdkHome.resolve("bin/java").toString()));
        command.addAll(DomainTools.JVM_OPTIONS);
        command.addAll(List.of("-Xlog:disable", "-XX:AOTCacheOutput=" + inside + FILE,
                "-jar", InDomain.INSTALL + "/airlock.jar", "copy-local", "--progress=none", inside + "src",
                inside + "dest"));
        SandboxSpec spec = new SandboxSpec("aot-training", new HomeMount.Bound(home), channel, installDir,
                jdkHome, List.of(), Optional.empty(), Optional.empty());
        Process p = bwrap.processBuilder(spec, user, command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            if (!p.waitFor(TRAINING_SECONDS, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return null;
            }
        } catch (InterruptedException e) {
            // bubblewrap's death alone would leave the JVM inside running: end everything it started.
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException again) {
                // Ending anyway.
            }
            Thread.currentThread().interrupt();
            return null;
        }
        return p.exitValue() == 0 ? home.resolve(FILE) : null;
    }
}
