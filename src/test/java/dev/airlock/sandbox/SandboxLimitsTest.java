package dev.airlock.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The sandbox's share of a domain's limits: bounded tmpfs and the rlimits it starts with. */
class SandboxLimitsTest {
    private static final Bwrap LAUNCHER = new Bwrap(Path.of("/usr/bin/bwrap"),
            Optional.of(Path.of("/usr/bin/setpriv")));

    @Test
    void domainCannotExhaustHostMemoryThroughTmpRunOrDevShm() {
        SandboxSpec spec = new SandboxSpec("work", new HomeMount.Bound(Path.of("/srv/work/home")),
                Path.of("/srv/run/work/channel"), Path.of("/opt/airlock"), Path.of(System.getProperty("java.home")),
                List.of(), Optional.empty(), Optional.empty(), new SandboxLimits(64 << 20, 0, 4096));
        List<String> argv = LAUNCHER.argv(spec, new HostUser.Caller(), List.of("true"));
        for (String tmpfs : List.of("/tmp", "/run", "/dev/shm")) {
            int at = -1;
            for (int i = 0; i + 1 < argv.size(); i++) {
                if (argv.get(i).equals("--tmpfs") && argv.get(i + 1).equals(tmpfs)) {
                    at = i;
                }
            }
            assertThat(at).as("tmpfs %s", tmpfs).isGreaterThanOrEqualTo(2);
            assertThat(argv.subList(at - 2, at)).as("size of %s", tmpfs)
                    .containsExactly("--size", Long.toString(64 << 20));
        }
        assertThat(argv).containsSubsequence("--dev", "/dev", "--tmpfs", "/dev/shm", "--remount-ro", "/dev");
    }

    @Test
    void tmpfsIsAQuarterOfTheMemoryCeilingAtMost256MiB() {
        assertThat(SandboxLimits.tmpfsBytesFor(256L << 20)).isEqualTo(64L << 20);
        assertThat(SandboxLimits.tmpfsBytesFor(8L << 30)).isEqualTo(256L << 20);
        assertThat(SandboxLimits.tmpfsBytesFor(1)).isEqualTo(1L << 20);
    }

    @Test
    void rlimitsAreSetSoftAndHardAlikeSoTheDomainCannotRaiseThemAndItDumpsNoCoreToTheHost() {
        assertThat(new SandboxLimits(64 << 20, 96, 1024).prlimit()).containsExactly("/usr/bin/prlimit",
                "--core=0:0", "--nofile=1024:1024", "--nproc=96:96", "--");
        assertThat(new SandboxLimits(64 << 20, 0, 1024).prlimit()).as("no RLIMIT_NPROC for the user's own uid")
                .containsExactly("/usr/bin/prlimit", "--core=0:0", "--nofile=1024:1024", "--");
    }
}
