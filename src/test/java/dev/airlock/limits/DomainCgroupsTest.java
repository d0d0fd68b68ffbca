package dev.airlock.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.domain.ResourceLimits;
import dev.airlock.limits.CgroupDriver.Controller;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Making, joining and naming a domain's cgroups, on fake cgroup trees (plain folders and files). */
class DomainCgroupsTest {
    private static final ResourceLimits SMALL = ResourceLimits.DEFAULT.withMaxmem(256).withMaxprocs(64)
            .withCpuWeight(50);

    @TempDir
    Path tmp;

    @Test
    void brokersOfDifferentHomesNeverShareACgroup() {
        String a = DomainCgroups.groupName(Path.of("/srv/airlock"));
        assertThat(a).matches("airlock-[0-9a-f]{12}");
        assertThat(DomainCgroups.groupName(Path.of("/srv/airlock/../airlock"))).isEqualTo(a);
        assertThat(DomainCgroups.groupName(Path.of("/tmp/junit1/home"))).isNotEqualTo(a);
    }

    @Test
    void v1CgroupsGetEveryLimitAndTheSandboxJoinsEachHierarchy() throws IOException {
        Path memory = Files.createDirectories(tmp.resolve("memory/process_api/abc"));
        Path pids = Files.createDirectories(tmp.resolve("pids"));
        Path cpu = Files.createDirectories(tmp.resolve("cpu"));
        DomainCgroups cg = new DomainCgroups(new CgroupDriver.V1(Map.of(Controller.MEMORY, memory,
                Controller.PIDS, pids, Controller.CPU, cpu)), Path.of("/srv/airlock"));
        String group = DomainCgroups.groupName(Path.of("/srv/airlock"));
        List<String> prefix = cg.prepare("work", SMALL);
        assertThat(read(memory.resolve(group + "/work/memory.limit_in_bytes"))).isEqualTo("268435456");
        assertThat(read(pids.resolve(group + "/work/pids.max"))).isEqualTo("64");
        assertThat(read(cpu.resolve(group + "/work/cpu.shares"))).isEqualTo("512");
        assertThat(prefix.subList(0, 4)).containsExactly("/bin/sh", "-c", DomainCgroups.JOIN_SCRIPT,
                "airlock-cgroup");
        assertThat(prefix.subList(4, prefix.size())).containsExactlyInAnyOrder(
                memory.resolve(group + "/work/cgroup.procs").toString(),
                pids.resolve(group + "/work/cgroup.procs").toString(),
                cpu.resolve(group + "/work/cgroup.procs").toString(), "--");
        assertThat(prefix.getLast()).isEqualTo("--");
    }

    @Test
    void v2CgroupsPassTheControllersDownAndGetEveryLimit() throws IOException {
        Path own = Files.createDirectories(tmp.resolve("user.slice/airlock.service"));
        Files.writeString(own.resolve("cgroup.subtree_control"), "cpu memory pids\n");
        DomainCgroups cg = new DomainCgroups(new CgroupDriver.V2(own), Path.of("/srv/airlock"));
        Path group = own.resolve(DomainCgroups.groupName(Path.of("/srv/airlock")));
        List<String> prefix = cg.prepare("work", SMALL);
        assertThat(read(own.resolve("cgroup.subtree_control"))).as("already passed on").isEqualTo("cpu memory pids");
        assertThat(read(group.resolve("cgroup.subtree_control"))).isEqualTo("+memory +pids +cpu");
        assertThat(read(group.resolve("work/memory.max"))).isEqualTo("268435456");
        assertThat(read(group.resolve("work/pids.max"))).isEqualTo("64");
        assertThat(read(group.resolve("work/cpu.weight"))).isEqualTo("50");
        assertThat(group.resolve("work/memory.swap.max")).as("no swap accounting in this tree").doesNotExist();
        assertThat(prefix.subList(4, prefix.size()))
                .containsExactly(group.resolve("work/cgroup.procs").toString(), "--");
    }

    @Test
    void systemdScopeCarriesTheLimitsAsProperties() throws IOException {
        Path run = Path.of("/usr/bin/systemd-run");
        String unit = "--unit=" + DomainCgroups.groupName(Path.of("/h")) + "-work.scope";
        List<String> system = new DomainCgroups(new CgroupDriver.SystemdScope(run, false, null), Path.of("/h"))
                .prepare("work", SMALL);
        assertThat(system).containsExactly("/usr/bin/systemd-run", "--scope", "--quiet", "--collect", unit,
                "-p", "MemoryMax=268435456", "-p", "MemorySwapMax=268435456", "-p", "TasksMax=64",
                "-p", "CPUWeight=50", "--");
        List<String> user = new DomainCgroups(new CgroupDriver.SystemdScope(run, true, Path.of("/run/user/1000")),
                Path.of("/h")).prepare("work", SMALL);
        assertThat(user.subList(0, 5)).containsExactly("/usr/bin/env", "XDG_RUNTIME_DIR=/run/user/1000",
                "/usr/bin/systemd-run", "--user", "--scope");
    }

    @Test
    void withoutCgroupsNothingIsPrefixed() throws IOException {
        assertThat(new DomainCgroups(new CgroupDriver.None("none here"), Path.of("/h")).prepare("work", SMALL))
                .isEmpty();
    }

    @Test
    void domainNameCannotSteerCgroupPathsOrUnitNames() throws IOException {
        Path pids = Files.createDirectories(tmp.resolve("pids"));
        DomainCgroups cg = new DomainCgroups(new CgroupDriver.V1(Map.of(Controller.PIDS, pids)), Path.of("/h"));
        for (String name : List.of("../../etc", "a/b", "..", "x\n", "")) {
            assertThatThrownBy(() -> cg.prepare(name, SMALL)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> cg.remove(name)).isInstanceOf(IllegalArgumentException.class);
        }
        try (var all = Files.walk(tmp)) {
            assertThat(all.count()).as("nothing made").isEqualTo(2);
        }
    }

    @Test
    void sandboxJoinsEveryCgroupBeforeItRunsAnything() throws Exception {
        Path memory = Files.createDirectories(tmp.resolve("memory"));
        Path pids = Files.createDirectories(tmp.resolve("pids"));
        List<String> argv = new ArrayList<>(new DomainCgroups(new CgroupDriver.V1(Map.of(Controller.MEMORY, memory,
                Controller.PIDS, pids)), Path.of("/h")).prepare("work", SMALL));
        // exec keeps the pid: the command's own pid is the one that was written.
        argv.addAll(List.of("/bin/sh", "-c", "echo $$"));
        Process p = new ProcessBuilder(argv).start();
        String pid = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).isZero();
        String group = DomainCgroups.groupName(Path.of("/h"));
        assertThat(read(memory.resolve(group + "/work/cgroup.procs"))).isEqualTo(pid);
        assertThat(read(pids.resolve(group + "/work/cgroup.procs"))).isEqualTo(pid);
    }

    @Test
    void sandboxThatCannotJoinItsCgroupDoesNotRun() throws Exception {
        Path missing = tmp.resolve("gone/cgroup.procs");
        Path ran = tmp.resolve("ran");
        Process p = new ProcessBuilder("/bin/sh", "-c", DomainCgroups.JOIN_SCRIPT, "airlock-cgroup",
                missing.toString(), "--", "/usr/bin/touch", ran.toString()).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isEqualTo(125);
        assertThat(err).contains("airlock: cannot join the cgroup " + missing);
        assertThat(ran).doesNotExist();
    }

    @Test
    void removeTakesAStoppedDomainsEmptyCgroupsAway() throws IOException {
        Path pids = Files.createDirectories(tmp.resolve("pids"));
        DomainCgroups cg = new DomainCgroups(new CgroupDriver.V1(Map.of(Controller.PIDS, pids)), Path.of("/h"));
        Path group = pids.resolve(DomainCgroups.groupName(Path.of("/h")));
        Files.createDirectories(group.resolve("work"));
        cg.remove("work");
        cg.remove("other");
        assertThat(group.resolve("work")).doesNotExist();
        cg.close();
        assertThat(group).doesNotExist();
    }

    @Test
    void cgroupsLeftBehindByATimedOutRemovalGoWithTheBrokerButBusyOnesStay() throws IOException {
        Path pids = Files.createDirectories(tmp.resolve("pids"));
        DomainCgroups cg = new DomainCgroups(new CgroupDriver.V1(Map.of(Controller.PIDS, pids)), Path.of("/h"));
        Path group = pids.resolve(DomainCgroups.groupName(Path.of("/h")));
        Files.createDirectories(group.resolve("stopped"));
        // A folder that cannot be removed stands for a cgroup with processes: the kernel refuses rmdir (EBUSY).
        Files.writeString(Files.createDirectories(group.resolve("left-running")).resolve("cgroup.procs"), "42\n");
        cg.close();
        assertThat(group.resolve("stopped")).doesNotExist();
        assertThat(group.resolve("left-running").resolve("cgroup.procs")).exists();
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p).strip();
    }
}
