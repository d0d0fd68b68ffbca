package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.domain.Registry;
import dev.airlock.domain.ResourceLimits;
import dev.airlock.limits.CgroupDriver;
import dev.airlock.limits.CgroupProbe;
import dev.airlock.limits.DomainCgroups;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A domain that tries to take the host's processes, memory or tmpfs space gets only what its limits allow; the
 * broker and the other domains go on. Real sandboxes in real cgroups, with small limits so that each attack is over
 * in seconds.
 */
@Timeout(120)
class DomainLimitsIT {
    private static final int BOMB_PROCS = 96;
    private static final int BOMB_MAXMEM = 256;

    @TempDir
    Path tmp;

    private CgroupDriver driver;

    @BeforeEach
    void needsCgroups() throws IOException {
        driver = CgroupProbe.current();
        assumeTrue(!(driver instanceof CgroupDriver.None), "no cgroups to test with: " + driver.describe());
        assumeTrue((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0,
                "the limits are tested as root, where each domain has its own host uid");
    }

    private LiveDomains domains() throws IOException {
        LiveDomains live = LiveDomains.create(tmp, "", "bomb", "calm");
        Registry.open(live.home().root()).update(all -> all.replace(all.require("bomb").withLimits(
                ResourceLimits.DEFAULT.withMaxmem(BOMB_MAXMEM).withMaxprocs(BOMB_PROCS))));
        return live;
    }

    @Test
    void forkBombInOneDomainCannotExhaustHostPids() throws Exception {
        assumeTrue(driver instanceof CgroupDriver.V1 v && v.own().containsKey(CgroupDriver.Controller.PIDS),
                "the bomb's pressure is read from a v1 pids cgroup");
        LiveDomains live = domains();
        try (Broker broker = live.startBroker()) {
            live.start("bomb", "calm");
            Path pids = ((CgroupDriver.V1) driver).own().get(CgroupDriver.Controller.PIDS).resolve(groupOf(live))
                    .resolve("bomb");
            long before = hostTasks();
            long calmBefore = medianMillis(live, "calm");
            // Every process forks again and again, and dash exits when a fork fails, so the bomb lives on in its
            // orphans until they see the host's stop file in bomb's home: bounded, and the broker's close kills
            // what is left. A shell of its own with its output nowhere: a forked dash keeps the fds it saved for
            // a redirection, which would hold the call open.
            LiveDomains.Result started = live.sh("bomb", "sh -c 'f() { while [ ! -e \"$HOME/stop\" ]; do f & sleep 0.1;"
                    + " done; }; f' </dev/null >/dev/null 2>&1 & echo started");
            assertThat(started.out()).isEqualTo("started\n");
            // Part of the scenario: the bomb grows for a while before it is measured.
            Thread.sleep(1500);
            long peak = 0;
            long held = 0;
            ProcessHandle sandbox = ProcessHandle.of(live.sandboxPid("bomb")).orElseThrow();
            for (int i = 0; i < 10; i++) {
                peak = Math.max(peak, hostTasks());
                held = Math.max(held, tasksOf(sandbox));
                // Part of the scenario: ten samples of the peak over a second.
                Thread.sleep(100);
            }
            long calmDuring = medianMillis(live, "calm");
            assertThat(Files.readString(pids.resolve("pids.events"))).as("the pids cgroup refused the bomb's forks")
                    .containsPattern("max [1-9]");
            Files.writeString(live.homeOf("bomb").resolve("stop"), "");
            // Counted in /proc, not by the cgroup itself: every task of the sandbox's process tree. The host's total
            // is shown only: other builds on the machine change it meanwhile.
            assertThat(held).as("tasks of bomb's sandbox (host tasks before %d, at the bomb's peak %d)", before,
                    peak).isLessThanOrEqualTo(BOMB_PROCS);
            assertThat(calmDuring).as("calm's call latency before the bomb: %d ms", calmBefore)
                    .isLessThanOrEqualTo(Math.max(2 * calmBefore, calmBefore + 20));
            assertThat(live.sh("bomb", "echo alive").out()).as("bomb's agent lives on").isEqualTo("alive\n");
        }
    }

    @Test
    void memoryHogIsKilledInsideItsDomainNotTheBrokerOrAnotherDomain() throws Exception {
        LiveDomains live = domains();
        try (Broker broker = live.startBroker()) {
            live.start("bomb", "calm");
            // tail keeps everything after the last newline: with none, all of it, far past bomb's ceiling.
            LiveDomains.Result hog = live.sh("bomb", "head -c 1G /dev/zero | tail > /dev/null; echo \"rc=$?\"");
            assertThat(hog.out()).as("the hog was killed (SIGKILL) before it held 1 GiB").isEqualTo("rc=137\n");
            assertThat(live.sh("calm", "echo alive").out()).isEqualTo("alive\n");
            assertThat(live.sh("bomb", "echo alive").out()).as("bomb's agent lives on").isEqualTo("alive\n");
            if (driver instanceof CgroupDriver.V1 v && v.own().containsKey(CgroupDriver.Controller.MEMORY)) {
                Path cg = v.own().get(CgroupDriver.Controller.MEMORY).resolve(groupOf(live)).resolve("bomb");
                assertThat(Files.readString(cg.resolve("memory.oom_control")))
                        .as("the OOM killer ran in bomb's cgroup").containsPattern("oom_kill [1-9]");
            }
        }
    }

    @Test
    void fullTmpGivesEnospcInTheDomainOnly() throws Exception {
        LiveDomains live = domains();
        try (Broker broker = live.startBroker()) {
            live.start("bomb", "calm");
            LiveDomains.Result fill = live.sh("bomb", "head -c 100M /dev/zero > /tmp/fill; echo \"rc=$?\";"
                    + " head -c 100M /dev/zero > /dev/shm/fill; echo \"rc=$?\"; df -k /tmp /run /dev/shm");
            assertThat(fill.err()).contains("No space left on device");
            assertThat(fill.out()).doesNotContain("rc=0");
            // a quarter of bomb's 256 MiB: 64 MiB each
            assertThat(fill.out().lines().filter(l -> l.contains(" 65536 ")).count()).as(fill.out()).isEqualTo(3);
            assertThat(live.sh("calm", "head -c 100M /dev/zero > /tmp/x && echo ok").out()).isEqualTo("ok\n");
        }
    }

    @Test
    void sandboxRunsInItsOwnCgroupsWhichGoWhenItStops() throws Exception {
        LiveDomains live = domains();
        try (Broker broker = live.startBroker()) {
            live.start("bomb");
            String group = groupOf(live);
            String cgroups = Files.readString(Path.of("/proc", Long.toString(live.sandboxPid("bomb")), "cgroup"));
            List<Path> leaves = leaves(group, "bomb");
            for (Path leaf : leaves) {
                assertThat(leaf).isDirectory();
            }
            assertThat(cgroups).contains("/" + group + "/bomb");
            if (driver instanceof CgroupDriver.V1 v && v.own().containsKey(CgroupDriver.Controller.PIDS)) {
                Path pids = v.own().get(CgroupDriver.Controller.PIDS).resolve(group).resolve("bomb");
                assertThat(Files.readString(pids.resolve("pids.max")).strip()).isEqualTo(Integer.toString(BOMB_PROCS));
            }
            new AdminClient(live.home()).call(AdminClient.request("shutdown").put("domain", "bomb"));
            for (Path leaf : leaves) {
                assertThat(leaf).doesNotExist();
            }
        }
    }

    private List<Path> leaves(String group, String name) {
        return switch (driver) {
            case CgroupDriver.V1 v -> v.own().values().stream().map(p -> p.resolve(group).resolve(name)).toList();
            case CgroupDriver.V2 v -> List.of(v.own().resolve(group).resolve(name));
            default -> List.of();
        };
    }

    private static String groupOf(LiveDomains live) {
        return DomainCgroups.groupName(live.home().root());
    }

    /** Tasks (processes and threads) of {@code root} and every process below it. */
    private static long tasksOf(ProcessHandle root) {
        return Stream.concat(Stream.of(root), root.descendants()).mapToLong(p -> {
            try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(p.pid()), "task"))) {
                return tasks.count();
            } catch (IOException e) {
                return 0;
            }
        }).sum();
    }

    /** Tasks (processes and threads) on the host, as pid_max counts them. */
    private static long hostTasks() throws IOException {
        long n = 0;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try (Stream<Path> tasks = Files.list(p.resolve("task"))) {
                    n += tasks.count();
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        }
        return n;
    }

    private static long medianMillis(LiveDomains live, String domain) throws IOException {
        long[] t = new long[7];
        for (int i = 0; i < t.length; i++) {
            long t0 = System.nanoTime();
            assertThat(live.sh(domain, "true").code()).isZero();
            t[i] = (System.nanoTime() - t0) / 1_000_000;
        }
        Arrays.sort(t);
        return t[t.length / 2];
    }
}
