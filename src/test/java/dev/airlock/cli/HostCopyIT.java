package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.AirlockHome;
import dev.airlock.broker.Broker;
import dev.airlock.broker.LiveDomains;
import dev.airlock.broker.LiveDomains.Result;
import dev.airlock.hostcopy.Recipient;
import dev.airlock.sys.Posix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Copies into the host from a real domain: {@code qvm-copy-to-dom0} and {@code qvm-move-to-dom0} typed in it, and
 * the host's {@code airlock copy work:FILE dom0}, into a temporary home standing for the host user's (never the
 * real {@code ~}). As root the broker writes as the desktop user, here {@code nobody}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostCopyIT {
    private static final String POLICY = """
            qubes.Filecopy * work     @adminvm allow
            qubes.Filecopy * personal @adminvm deny
            """;
    private static final int NOBODY = 65534;

    private LiveDomains live;
    private AirlockHome home;
    private Broker broker;
    private Path hostHome;
    private boolean root;
    private Path scratch;

    @BeforeAll
    void startDomains(@TempDir Path tmp) throws IOException {
        live = LiveDomains.create(tmp, POLICY, "work", "personal");
        home = live.home();
        root = Posix.geteuid() == 0;
        hostHome = Files.createDirectories(tmp.resolve("host-user"));
        scratch = Files.createDirectories(tmp.resolve("host-files"));
        if (root) {
            Files.setAttribute(hostHome, "unix:uid", NOBODY);
            Files.setAttribute(hostHome, "unix:gid", NOBODY);
        }
        Files.setPosixFilePermissions(hostHome, PosixFilePermissions.fromString("rwx------"));
        broker = Broker.start(live.settings(Duration.ofSeconds(2)).withHostSettings(Map.of(
                Recipient.HOME_VARIABLE, hostHome.toString(), "AIRLOCK_DESKTOP_USER", Integer.toString(NOBODY))));
        live.start("work", "personal");
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void emptyIncoming() throws IOException {
        try (var files = Files.walk(hostHome)) {
            files.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(hostHome)).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        assertThat(live.sh("work", "rm -rf ./*").code()).isZero();
        assertThat(live.sh("personal", "rm -rf QubesIncoming").code()).isZero();
    }

    private Path incoming() {
        return hostHome.resolve("QubesIncoming/work");
    }

    @Test
    void qvmCopyToDom0DeliversIntoTheHostUsersQubesIncomingOwnedByThatUser() throws Exception {
        Result r = live.sh("work", "mkdir -p d && echo data > d/a.txt && qvm-copy-to-dom0 d");
        assertThat(r.code()).as(r.err()).isZero();
        Path a = incoming().resolve("d/a.txt");
        assertThat(Files.readString(a)).isEqualTo("data\n");
        if (root) {
            for (Path p : List.of(hostHome.resolve("QubesIncoming"), incoming(), a)) {
                assertThat(Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).as("owner of %s", p)
                        .isEqualTo(NOBODY);
            }
        }
    }

    @Test
    void aCopyTheHostRefusesAtTheFirstFileEndsAtOnceThoughGigabytesAreLeftToSend() throws Exception {
        // 256 GiB (sparse): over the host's 4 GiB, refused at its header; sending it would take minutes.
        Result r = live.sh("work", "truncate -s 256G big && s=$(date +%s%N) && qvm-copy-to-dom0 big; c=$?;"
                + " e=$(date +%s%N); echo $c $(( (e - s) / 1000000 ))");
        String[] out = r.out().strip().split(" ");
        assertThat(Integer.parseInt(out[0])).as(r.err()).isNotZero();
        assertThat(r.err()).contains("limit").contains("dom0 refused the copy");
        // The whole command, JVM start and call included, on a loaded two-core machine.
        assertThat(Long.parseLong(out[1])).as("milliseconds until qvm-copy-to-dom0 exited").isLessThan(15_000);
        assertThat(incoming().resolve("big")).doesNotExist();
    }

    @Test
    void qvmMoveToDom0DeletesTheSourceOnlyAfterTheHostConfirmed() throws Exception {
        Result moved = live.sh("work", "echo one > m.txt && qvm-move-to-dom0 m.txt && test ! -e m.txt");
        assertThat(moved.code()).as(moved.err()).isZero();
        assertThat(Files.readString(incoming().resolve("m.txt"))).isEqualTo("one\n");
        // The host has that name now: it refuses, and the source stays.
        Result kept = live.sh("work", "echo two > m.txt && qvm-move-to-dom0 m.txt; echo $?; cat m.txt");
        assertThat(kept.out()).as(kept.err()).doesNotStartWith("0\n").endsWith("two\n");
        assertThat(kept.err()).contains("already exists");
        assertThat(Files.readString(incoming().resolve("m.txt"))).isEqualTo("one\n");
    }

    @Test
    void aCopyToTheHostThatPolicyDeniesDeliversNothing() throws Exception {
        Result r = live.sh("personal", "echo x > p.txt && qvm-copy-to-dom0 p.txt");
        assertThat(r.code()).isEqualTo(126);
        assertThat(r.err()).contains("refused by policy");
        assertThat(hostHome.resolve("QubesIncoming/personal")).doesNotExist();
    }

    @Test
    void airlockCopyOnTheHostFetchesADomainsFileIntoTheHost() throws Exception {
        assertThat(live.sh("work", "echo fetched > f.txt").code()).isZero();
        Result r = airlock("copy", "work:f.txt", "dom0");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(incoming().resolve("f.txt"))).isEqualTo("fetched\n");
    }

    @Test
    void airlockCopySendsTheHostsFilesIntoTheDomainsQubesIncomingDom0() throws Exception {
        Path d = Files.createDirectories(scratch.resolve("out/d"));
        Files.writeString(d.resolve("a:b.txt"), "from the host\n");
        Result r = airlock("copy", d.toString(), "personal");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(live.homeOf("personal").resolve("QubesIncoming/dom0/d/a:b.txt")))
                .isEqualTo("from the host\n");
        assertThat(Files.exists(d.resolve("a:b.txt"))).as("a copy keeps the source").isTrue();
    }

    @Test
    void airlockMoveDeletesTheHostsFileOnlyAfterTheDomainConfirmed() throws Exception {
        Path m = Files.writeString(Files.createDirectories(scratch.resolve("move")).resolve("m.txt"), "one\n");
        Result moved = airlock("move", m.toString(), "personal");
        assertThat(moved.code()).as(moved.err()).isZero();
        assertThat(m).doesNotExist();
        Path incoming = live.homeOf("personal").resolve("QubesIncoming/dom0/m.txt");
        assertThat(Files.readString(incoming)).isEqualTo("one\n");
        // personal has that name now and refuses (its default conflict mode fails): the source stays.
        Files.writeString(m, "two\n");
        Result kept = airlock("move", m.toString(), "personal");
        assertThat(kept.code()).isNotZero();
        assertThat(kept.err()).contains("already exists");
        assertThat(Files.readString(m)).isEqualTo("two\n");
        assertThat(Files.readString(incoming)).isEqualTo("one\n");
    }

    /** {@code airlock ARGS...} as a user types it on the host, against this test's broker. */
    private Result airlock(String... args) throws Exception {
        Path jar = Path.of("target/airlock.jar").toAbsolutePath();
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("AIRLOCK_HOME", home.root().toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), "", err);
    }
}
