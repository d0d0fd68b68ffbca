package dev.airlock.sandbox;

import dev.airlock.sys.Trees;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 * lives beside the jar ({@value #FILE}), so every domain already sees it through the installation's read-only
 * bind, and one training serves every broker and every {@code AIRLOCK_HOME} that runs this jar. An installation
 * that the broker cannot write simply runs without it.
 */
public final class AotCache {
    /** The cache's name in the installation folder. */
    public static final String FILE = "airlock-domain.aot";
    /** Where a domain sees the cache. */
    public static final String IN_DOMAIN = Bwrap.INSTALL + "/" + FILE;
    private static final long TRAINING_SECONDS = 120;

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
            Path made = train(bwrap, installDir, jdkHome, scratch);
            if (made == null) {
                return false;
            }
            Path tmp = Files.createTempFile(installDir, "." + FILE, ".tmp");
            try {
                Files.copy(made, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return isCurrent(installDir);
        } catch (IOException e) {
            return false;
        } finally {
            try {
                Trees.delete(scratch);
            } catch (IOException e) {
                // A leftover scratch folder under the broker's run folder holds only the training's copy.
            }
        }
    }

    /** Runs the training copy in a sandbox; returns the cache it wrote, or null. */
    private static Path train(Bwrap bwrap, Path installDir, Path jdkHome, Path scratch) throws IOException {
        // bubblewrap runs as the unprivileged user and must reach the folders it binds.
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwx--x--x"));
        Path home = Files.createDirectories(scratch.resolve("home"));
        Path channel = Files.createDirectories(scratch.resolve("channel"));
        Files.createDirectories(home.resolve("src"));
        Files.writeString(home.resolve("src").resolve("file"), "airlock\n");
        HostUser user = new HostUser.Caller();
        if (Bwrap.launcherIsRoot()) {
            // Never root inside, like a domain: nobody, who owns only the scratch home.
            user = new HostUser.Switched(NOBODY, NOBODY);
            chownTree(home, NOBODY);
        }
        String inside = Bwrap.HOME + "/";
        List<String> command = new ArrayList<>(List.of(jdkHome.resolve("bin/java").toString()));
        command.addAll(DomainTools.JVM_OPTIONS);
        command.addAll(List.of("-Xlog:disable", "-XX:AOTCacheOutput=" + inside + FILE,
                "-jar", Bwrap.INSTALL + "/airlock.jar", "copy-local", "--progress=none", inside + "src",
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
        Path made = home.resolve(FILE);
        return p.exitValue() == 0 && Files.isRegularFile(made, LinkOption.NOFOLLOW_LINKS) ? made : null;
    }

    private static final int NOBODY = 65534;

    private static void chownTree(Path root, int id) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Files.setAttribute(p, "unix:uid", id, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", id, LinkOption.NOFOLLOW_LINKS);
            }
        }
    }
}
