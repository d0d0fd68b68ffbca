package dev.airlock.sandbox;

import dev.airlock.contract.InDomain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The domains' class cache: made in a sandbox, used by a JVM in a sandbox, never used once the jar changed. */
class AotCacheIT {

    @Test
    void cacheMadeForTheJarIsUsedInsideDomainsAndDroppedWhenTheJarChanges(@TempDir Path tmp) throws Exception {
        BwrapCheck.Result check = BwrapCheck.check();
        assumeTrue(check instanceof BwrapCheck.Ready, "sandboxes cannot run here: " + check.message());
        Bwrap bwrap = ((BwrapCheck.Ready) check).launcher();
        Path built = Path.of("target/airlock.jar").toAbsolutePath();
        assumeTrue(Files.isRegularFile(built), "no packaged jar (run through mvn verify)");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        Path install = Files.createDirectory(tmp.resolve("install"));
        Files.copy(built, install.resolve("airlock.jar"));
        Files.createDirectory(install.resolve("lib"));
        try (var libs = Files.list(built.resolveSibling("lib"))) {
            for (Path lib : (Iterable<Path>) libs::iterator) {
                Files.copy(lib, install.resolve("lib").resolve(lib.getFileName()));
            }
        }
        readableByAll(install);
        Path jdk = Path.of(System.getProperty("java.home")).toRealPath();

        assertThat(AotCache.option(install)).isEmpty();
        assertThat(AotCache.refresh(bwrap, install, jdk, Files.createDirectory(tmp.resolve("scratch")))).isTrue();
        assertThat(AotCache.option(install)).contains("-XX:AOTCache=" + AotCache.IN_DOMAIN);
        assertThat(tmp.resolve("scratch")).doesNotExist();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(install.resolve(AotCache.FILE))))
                .isEqualTo("rw-r--r--");

        // A JVM in a sandbox takes airlock's own classes from the cache: it matches the class path domains see.
        String log = runInSandbox(bwrap, tmp, install, jdk, List.of("-XX:AOTCache=" + AotCache.IN_DOMAIN,
                "-Xlog:class+load=info"));
        assertThat(log).contains("dev.airlock.cli.Main source: shared objects file");

        // A rebuilt jar makes the cache stale: not offered to domains, removed, made again.
        Files.setLastModifiedTime(install.resolve(AotCache.FILE), FileTime.from(Instant.now().minusSeconds(60)));
        Files.setLastModifiedTime(install.resolve("airlock.jar"), FileTime.from(Instant.now().minusSeconds(30)));
        assertThat(AotCache.option(install)).isEmpty();
        assertThat(AotCache.refresh(bwrap, install, jdk, Files.createDirectory(tmp.resolve("scratch2")))).isTrue();
        assertThat(AotCache.option(install)).isPresent();
    }

    @Test
    void failedTrainingLeavesNoStaleCacheForDomains(@TempDir Path tmp) throws Exception {
        BwrapCheck.Result check = BwrapCheck.check();
        assumeTrue(check instanceof BwrapCheck.Ready, "sandboxes cannot run here: " + check.message());
        Path install = Files.createDirectory(tmp.resolve("install"));
        Files.writeString(install.resolve("airlock.jar"), "not a jar");
        Files.writeString(install.resolve(AotCache.FILE), "stale");
        Files.setLastModifiedTime(install.resolve("airlock.jar"), FileTime.from(Instant.now().plusSeconds(5)));
        // Not a jar: the training fails, and the stale cache is gone rather than handed to domains.
        boolean made = AotCache.refresh(((BwrapCheck.Ready) check).launcher(), install,
                Path.of(System.getProperty("java.home")).toRealPath(), Files.createDirectory(tmp.resolve("s")));
        assertThat(made).isFalse();
        assertThat(install.resolve(AotCache.FILE)).doesNotExist();
        assertThat(AotCache.option(install)).isEmpty();
    }

    private static String runInSandbox(Bwrap bwrap, Path tmp, Path install, Path jdk, List<String> extra)
            throws Exception {
        Path home = Files.createDirectory(tmp.resolve("home"));
        Path channel = Files.createDirectory(tmp.resolve("channel"));
        HostUser user = new HostUser.Caller();
        if (Bwrap.launcherIsRoot()) {
            Files.setAttribute(home, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(home, "unix:gid", 65534, LinkOption.NOFOLLOW_LINKS);
            user = new HostUser.Switched(65534, 65534);
        }
        List<String> cmd = new ArrayList<>(List.of(jdk.resolve("bin/java").toString()));
        cmd.addAll(DomainTools.JVM_OPTIONS);
        cmd.addAll(extra);
        cmd.addAll(List.of("-jar", InDomain.INSTALL + "/airlock.jar", "--version"));
        SandboxSpec spec = new SandboxSpec("aottest", new HomeMount.Bound(home), channel, install, jdk, List.of(),
                Optional.empty(), Optional.empty());
        Path out = tmp.resolve("out");
        Process p = bwrap.processBuilder(spec, user, cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String log = Files.readString(out);
        assertThat(p.exitValue()).as(log).isZero();
        return log;
    }

    private static void readableByAll(Path root) throws Exception {
        try (var paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }
}
