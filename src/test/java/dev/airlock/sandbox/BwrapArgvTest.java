package dev.airlock.sandbox;

import dev.airlock.contract.InDomain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The bubblewrap command line as built, without running anything. */
class BwrapArgvTest {

    private static final Bwrap LAUNCHER =
            new Bwrap(Path.of("/usr/bin/bwrap"), Optional.of(Path.of("/usr/bin/setpriv")));
    private static final Path JDK = Path.of(System.getProperty("java.home"));
    private static final SandboxSpec WORK = SandboxSpec.of("work", Path.of("/srv/airlock/domains/work/home"),
            Path.of("/srv/airlock/run/domains/work/channel"), Path.of("/opt/airlock-install"), JDK);
    private static final List<String> ARGV = LAUNCHER.argv(WORK, new HostUser.Caller(), List.of("sh", "-c", "true"));

    @Test
    void hostRootIsNeverBound() {
        for (int i = 0; i + 2 < ARGV.size(); i++) {
            if (ARGV.get(i).matches("--(ro-)?bind(-try)?")) {
                assertThat(ARGV.get(i + 1)).as("source of %s", ARGV.get(i)).isNotEqualTo("/");
                assertThat(ARGV.get(i + 2)).as("destination of %s", ARGV.get(i)).isNotEqualTo("/");
            }
        }
    }

    @Test
    void systemFoldersAreReadOnly() {
        assertThat(pairsAfter("--ro-bind")).contains("/usr -> /usr", "/etc -> /etc");
        assertThat(pairsAfter("--bind")).containsExactly("/srv/airlock/domains/work/home -> /home/user");
    }

    @Test
    void sandboxDoesNotExposeTheBuildFolder() {
        // The installation folder of a build is Maven's target/: test classes, and surefire reports recording the
        // host's paths, user name and properties. Only what a domain runs is bound, file by file.
        for (int i = 0; i + 2 < ARGV.size(); i++) {
            if (ARGV.get(i).matches("--(ro-)?bind(-try)?")) {
                assertThat(ARGV.get(i + 1)).as("bound whole").isNotEqualTo("/opt/airlock-install");
            }
        }
        assertThat(ARGV).containsSubsequence("--dir", "/opt/airlock",
                "--ro-bind-try", "/opt/airlock-install/airlock.jar", "/opt/airlock/airlock.jar",
                "--ro-bind-try", "/opt/airlock-install/lib", "/opt/airlock/lib",
                "--ro-bind-try", "/opt/airlock-install/airlock-domain.aot", "/opt/airlock/airlock-domain.aot");
        assertThat(pairsAfter("--ro-bind-try")).filteredOn(p -> p.startsWith("/opt/airlock-install/"))
                .hasSize(3);
        assertThat(pairsAfter("--ro-bind")).noneMatch(p -> p.startsWith("/opt/airlock-install"));
        // After /run and its tmpfs, before the root is made read-only.
        assertThat(indexOfPair("--dir", "/opt/airlock")).isGreaterThan(indexOfPair("--tmpfs", "/run"))
                .isLessThan(indexOfPair("--remount-ro", "/"));
    }

    @Test
    void everyNamespaceIsNewAndNothingIsKept() {
        assertThat(ARGV).contains("--unshare-all", "--unshare-user", "--disable-userns",
                "--new-session", "--clearenv");
        assertThat(ARGV).containsSubsequence("--cap-drop", "ALL");
        assertThat(ARGV).containsSubsequence("--hostname", "work");
        assertThat(ARGV).containsSubsequence("--uid", "1000", "--gid", "1000");
        assertThat(ARGV).doesNotContain("--share-net", "--unshare-user-try", "--die-with-parent");
    }

    @Test
    void tmpfsComesBeforeTheMountsBeneathIt() {
        int run = indexOfPair("--tmpfs", "/run");
        int dir = indexOfPair("--dir", "/run/airlock");
        int socket = ARGV.indexOf("/run/airlock/channel");
        assertThat(run).isNotNegative().isLessThan(dir);
        assertThat(dir).isLessThan(socket);
        assertThat(ARGV.get(socket - 2)).isEqualTo("--ro-bind");
        assertThat(ARGV.get(socket - 1)).isEqualTo("/srv/airlock/run/domains/work/channel");
        // Remounting the root read-only must come after everything that creates folders or symlinks in it.
        assertThat(indexOfPair("--remount-ro", "/")).isGreaterThan(indexOfPair("--bind",
                "/srv/airlock/domains/work/home"));
    }

    @Test
    void environmentIsClearedBeforeItIsSet() {
        int clear = ARGV.indexOf("--clearenv");
        assertThat(ARGV.subList(clear, ARGV.size())).containsSubsequence("--setenv", "HOME", "/home/user")
                .containsSubsequence("--setenv", "AIRLOCK_DOMAIN", "work")
                .containsSubsequence("--setenv", "LANG", "C.UTF-8");
        for (int i = 0; i < clear; i++) {
            assertThat(ARGV.get(i)).isNotEqualTo("--setenv");
        }
    }

    @Test
    void commandFollowsTheEndOfOptions() {
        assertThat(ARGV.subList(ARGV.size() - 4, ARGV.size())).containsExactly("--", "sh", "-c", "true");
        assertThat(ARGV.getFirst()).isEqualTo("/usr/bin/bwrap");
    }

    @Test
    void asRootBwrapRunsAsTheDomainsUser() {
        List<String> argv = LAUNCHER.argv(WORK, new HostUser.Switched(61000, 61001), List.of("true"));
        assertThat(argv.subList(0, 6)).containsExactly("/usr/bin/setpriv", "--reuid=61000", "--regid=61001",
                "--clear-groups", "--", "/usr/bin/bwrap");
    }

    @Test
    void hostRootIsRefusedAsADomainsUser() {
        assertThatThrownBy(() -> new HostUser.Switched(0, 1000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HostUser.Switched(1000, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void disposableHomeIsAThrowawayLayerOverTheTemplate() {
        SandboxSpec spec = new SandboxSpec("disp1234", new HomeMount.Layered(Path.of("/srv/t/home"),
                Path.of("/srv/run/disp1234/stage"), 64 << 20, 4096), WORK.channel(), WORK.installDir(), JDK, List.of());
        List<String> argv = LAUNCHER.argv(spec, new HostUser.Switched(61000, 61000), List.of("true"));
        assertThat(argv.subList(0, 16)).containsExactly("/usr/bin/setpriv", "--reuid=61000", "--regid=61000",
                "--clear-groups", "--", "/usr/bin/unshare", "--user", "--map-root-user", "--mount", "--", "/bin/sh",
                "-c", Bwrap.LAYER_SCRIPT, "airlock-layer", "/srv/run/disp1234/stage", "/srv/t/home");
        assertThat(argv.subList(16, 19)).containsExactly(Long.toString(64 << 20), "4096", "/usr/bin/bwrap");
        assertThat(argv).containsSubsequence("--bind", "/srv/run/disp1234/stage/m", "/home/user");
        assertThat(argv).doesNotContain("/srv/t/home/", "--overlay-src");
    }

    @Test
    void disposableCannotExhaustHostMemoryThroughRunOrDevShm() {
        String size = Long.toString(64 << 20);
        SandboxSpec spec = new SandboxSpec("disp1234", new HomeMount.Layered(Path.of("/srv/t/home"),
                Path.of("/srv/run/disp1234/stage"), 64 << 20, 4096), WORK.channel(), WORK.installDir(), JDK, List.of());
        List<String> argv = LAUNCHER.argv(spec, new HostUser.Switched(61000, 61000), List.of("true"));
        for (String tmpfs : List.of("/tmp", "/run", "/dev/shm")) {
            int at = indexOfPair(argv, "--tmpfs", tmpfs);
            assertThat(at).as("tmpfs %s", tmpfs).isGreaterThanOrEqualTo(2);
            assertThat(argv.subList(at - 2, at)).as("size of %s", tmpfs).containsExactly("--size", size);
        }
        // /dev is a tmpfs of bubblewrap's own: writable, it would be unbounded.
        assertThat(argv).containsSubsequence("--dev", "/dev", "--tmpfs", "/dev/shm", "--remount-ro", "/dev");
        assertThat(indexOfPair(argv, "--remount-ro", "/dev")).isGreaterThan(indexOfPair(argv, "--tmpfs", "/dev/shm"));
        assertThat(argv.stream().filter("--tmpfs"::equals).count())
                .as("every tmpfs is sized").isEqualTo(argv.stream().filter("--size"::equals).count());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/srv/a,upperdir=/etc", "/srv/a:/etc", "/srv/a\\b", "/srv/a\nb"})
    void overlayOptionsCannotBeSmuggledInThroughFolderNames(String folder) {
        assertThatThrownBy(() -> new HomeMount.Layered(Path.of(folder), Path.of("/srv/stage"), 64 << 20, 4096))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot contain");
        assertThatThrownBy(() -> new HomeMount.Layered(Path.of("/srv/t"), Path.of(folder), 64 << 20, 4096))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot contain");
    }

    @Test
    void jdkOutsideTheSystemIsBoundReadOnlyAtItsRealPath(@TempDir Path jdk) throws Exception {
        Path real = jdk.toRealPath();
        SandboxSpec spec = SandboxSpec.of("work", Path.of("/h"), Path.of("/s"), Path.of("/i"), jdk);
        List<String> argv = LAUNCHER.argv(spec, new HostUser.Caller(), List.of("true"));
        assertThat(argv).containsSubsequence("--ro-bind", real.toString(), real.toString())
                .containsSubsequence("--setenv", "JAVA_HOME", real.toString());
    }

    @Test
    void jdkUnderUsrNeedsNoBindOfItsOwn() {
        assumeTrue(JDK.startsWith("/usr"), "the test JDK is not under /usr");
        assertThat(ARGV).doesNotContainSequence("--ro-bind", JDK.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-rf", "--bind", "1work", ".hidden", "_x", "wo rk", "work\n", "wo/rk", "../x",
            "wörk", "a;b", "$(id)", "a\u0000b", "abcdefghijklmnopqrstuvwxyz123456"})
    void oddDomainNamesAreRefusedBeforeReachingBwrap(String name) {
        assertThatThrownBy(() -> SandboxSpec.of(name, Path.of("/h"), Path.of("/s"), Path.of("/i"), JDK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("not a valid domain name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"work", "w", "Work-2.b_c", "abcdefghijklmnopqrstuvwxyz12345"})
    void plainDomainNamesAreAccepted(String name) {
        assertThat(SandboxSpec.of(name, Path.of("/h"), Path.of("/s"), Path.of("/i"), JDK).name()).isEqualTo(name);
    }

    @Test
    void relativeOrClimbingPathsAreRefused() {
        assertThatThrownBy(() -> SandboxSpec.of("work", Path.of("home"), Path.of("/s"), Path.of("/i"), JDK))
                .hasMessageContaining("absolute");
        assertThatThrownBy(() -> SandboxSpec.of("work", Path.of("/a/../b"), Path.of("/s"), Path.of("/i"), JDK))
                .hasMessageContaining("normalised");
    }

    @Test
    void extraPathsCannotCoverTheFixedMounts() {
        SandboxSpec spec = new SandboxSpec("work", WORK.home(), WORK.channel(), WORK.installDir(), JDK,
                List.of(Path.of("/run"), Path.of("/srv/data")));
        List<String> argv = LAUNCHER.argv(spec, new HostUser.Caller(), List.of("true"));
        assertThat(argv.indexOf("/srv/data")).isLessThan(argv.indexOf("--proc"));
        assertThat(argv.indexOf("/run")).isLessThan(argv.indexOf("--proc"));
    }

    @Test
    void domainServicesAreReadOnlyUnderTheFreshRun() {
        SandboxSpec spec = new SandboxSpec("work", WORK.home(), WORK.channel(), WORK.installDir(), JDK,
                List.of(), java.util.Optional.of(Path.of("/srv/airlock/domains/work/qubes-rpc")), Optional.empty());
        List<String> argv = LAUNCHER.argv(spec, new HostUser.Caller(), List.of("true"));
        int bind = argv.indexOf(InDomain.SERVICES);
        assertThat(argv.subList(bind - 2, bind + 1))
                .containsExactly("--ro-bind", "/srv/airlock/domains/work/qubes-rpc", InDomain.SERVICES);
        assertThat(bind).isGreaterThan(argv.indexOf("/run/airlock"));
        assertThat(ARGV).doesNotContain(InDomain.SERVICES);
    }

    @Test
    void domainToolsAreReadOnlyUnderTheFreshRunAndOnThePath() {
        SandboxSpec spec = new SandboxSpec("work", WORK.home(), WORK.channel(), WORK.installDir(), JDK,
                List.of(), Optional.empty(), Optional.of(Path.of("/srv/airlock/run/bin")));
        List<String> argv = LAUNCHER.argv(spec, new HostUser.Caller(), List.of("true"));
        int bind = argv.indexOf(InDomain.TOOLS);
        assertThat(argv.subList(bind - 2, bind + 1)).containsExactly("--ro-bind", "/srv/airlock/run/bin", InDomain.TOOLS);
        assertThat(bind).isGreaterThan(argv.indexOf("/run/airlock"));
        int path = argv.indexOf("PATH");
        assertThat(argv.get(path - 1)).isEqualTo("--setenv");
        assertThat(argv.get(path + 1).split(":")).startsWith("/usr/local/bin").endsWith(InDomain.TOOLS);
    }

    @Test
    void hostRootCannotBeAnExtraReadOnlyPath() {
        assertThatThrownBy(() -> new SandboxSpec("work", new HomeMount.Bound(Path.of("/h")), Path.of("/s"),
                Path.of("/i"), JDK, List.of(Path.of("/")))).hasMessageContaining("root");
    }

    private List<String> pairsAfter(String option) {
        List<String> pairs = new java.util.ArrayList<>();
        for (int i = 0; i + 2 < ARGV.size(); i++) {
            if (ARGV.get(i).equals(option)) {
                pairs.add(ARGV.get(i + 1) + " -> " + ARGV.get(i + 2));
            }
        }
        return pairs;
    }

    private static int indexOfPair(String option, String value) {
        return indexOfPair(ARGV, option, value);
    }

    private static int indexOfPair(List<String> argv, String option, String value) {
        for (int i = 0; i + 1 < argv.size(); i++) {
            if (argv.get(i).equals(option) && argv.get(i + 1).equals(value)) {
                return i;
            }
        }
        return -1;
    }
}
