package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.broker.LiveDomains.Result;
import dev.airlock.sys.Posix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A home that {@code airlock restore} wrote as root belongs to root, inside too; the domain's first start gives
 * all of it to the domain's own host user, so the domain can change its restored files, not only read them.
 */
class RestoredHomeIT {
    @TempDir
    Path tmp;

    @Test
    void domainCanChangeTheFilesOfItsHomeRestoredByRoot() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: domains get host users of their own only when airlock is root");
        LiveDomains live = LiveDomains.create(tmp, "", "work");
        Path home = live.homeOf("work");
        Files.createDirectories(home.resolve(".config/app"));
        Files.writeString(home.resolve(".config/app/settings"), "x=1\n");
        Files.writeString(home.resolve("notes.txt"), "first\n");
        Path pass = Files.writeString(tmp.resolve("pass"), "correct horse\n");
        Path backup = tmp.resolve("backup");
        assertThat(airlock(live, "backup", "-p", pass.toString(), backup.toString(), "work")).isZero();
        assertThat(airlock(live, "restore", "-p", pass.toString(), "--rename-conflicting", backup.toString()))
                .isZero();
        Path restored = live.homeOf("work-1");
        assertThat(uid(restored.resolve("notes.txt"))).as("as the restore left it").isZero();

        try (Broker broker = live.startBroker()) {
            Result r = live.sh("work-1", "echo second >> notes.txt && echo y=2 >> .config/app/settings"
                    + " && touch .config/app/new");
            assertThat(r.code()).as(r.err()).isZero();
            int id = uid(restored);
            assertThat(id).isNotZero();
            assertThat(uid(restored.resolve(".config/app/new"))).as("made by the domain").isEqualTo(id);
            assertThat(Files.readString(restored.resolve("notes.txt"))).isEqualTo("first\nsecond\n");
            assertThat(uid(restored.resolve(".config/app/settings"))).isEqualTo(id);
        }
    }

    private static int airlock(LiveDomains live, String... args) throws IOException, InterruptedException {
        Process p = live.airlock(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(out).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return p.exitValue();
    }

    private static int uid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }
}
