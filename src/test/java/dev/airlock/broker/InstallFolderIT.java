package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.LiveDomains.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A domain started by the broker from the build folder ({@code target/}, where test classes and surefire reports
 * with the host's paths, user and properties lie beside the jar) sees in {@code /opt/airlock} only what it runs.
 */
class InstallFolderIT {
    private static final Set<String> ALLOWED = Set.of("airlock.jar", "lib", "airlock-domain.aot");

    @TempDir
    Path tmp;

    @Test
    void domainSeesOnlyTheJarItsLibrariesAndTheClassCacheOfTheBuildFolder() throws Exception {
        LiveDomains live = LiveDomains.create(tmp, "", "work");
        Path target = Path.of("target").toAbsolutePath();
        assertThat(target.resolve("test-classes")).as("the build folder holds more than the jar").isDirectory();
        try (Broker broker = live.startBroker()) {
            live.start("work");
            Result listed = live.sh("work", "ls -A /opt/airlock");
            assertThat(listed.code()).as(listed.err()).isZero();
            List<String> entries = listed.out().lines().toList();
            assertThat(entries).contains("airlock.jar", "lib");
            assertThat(ALLOWED).containsAll(entries);

            List<String> libs;
            try (var stream = Files.list(target.resolve("lib"))) {
                libs = stream.map(p -> p.getFileName().toString()).sorted().toList();
            }
            assertThat(live.sh("work", "ls -A /opt/airlock/lib").out().lines().sorted().toList()).isEqualTo(libs);

            Result probe = live.sh("work", "for f in test-classes classes surefire-reports failsafe-reports"
                    + " maven-status airlock.aot; do test -e /opt/airlock/$f && echo VISIBLE $f; done;"
                    + " grep -rl " + target + " /opt/airlock 2>/dev/null; true");
            assertThat(probe.out()).isEmpty();
        }
    }
}
