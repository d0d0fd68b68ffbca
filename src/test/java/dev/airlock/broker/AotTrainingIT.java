package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.domain.Registry;
import dev.airlock.sandbox.AotCache;
import dev.airlock.sandbox.BwrapCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker makes the domains' class cache at its start, before any domain has run: in a new {@code AIRLOCK_HOME}
 * (0700, as {@code airlock up} makes it) the training's user must still reach its scratch home. It could not, so
 * after every build domains ran without the cache.
 */
class AotTrainingIT {

    @Test
    void brokerMakesTheDomainsClassCacheInANewHomeBeforeAnyDomainRan(@TempDir Path tmp) throws Exception {
        BwrapCheck.Result check = BwrapCheck.check();
        assumeTrue(check instanceof BwrapCheck.Ready, "sandboxes cannot run here: " + check.message());
        Path built = Path.of("target/airlock.jar").toAbsolutePath();
        assumeTrue(Files.isRegularFile(built), "no packaged jar (run through mvn verify)");
        // The folders above a home must let domains' users pass, as the broker tells the user otherwise.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        Path install = Files.createDirectory(tmp.resolve("install"));
        Files.copy(built, install.resolve("airlock.jar"));
        Files.createSymbolicLink(install.resolve("lib"), built.resolveSibling("lib"));
        Files.setPosixFilePermissions(install, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(install.resolve("airlock.jar"), PosixFilePermissions.fromString("rw-r--r--"));
        Path home = Files.createDirectory(tmp.resolve("home"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));

        try (DomainRunner runner = new DomainRunner(new AirlockHome(home), Registry.open(home), install,
                Path.of(System.getProperty("java.home")).toRealPath(), (d, ch) -> { }, 1 << 20)) {
            runner.refreshAotCache();
        }

        assertThat(AotCache.option(install)).contains("-XX:AOTCache=" + AotCache.IN_DOMAIN);
    }
}
