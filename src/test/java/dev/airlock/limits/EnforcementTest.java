package dev.airlock.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code airlock doctor} says for each kind of host. */
class EnforcementTest {

    private static Enforcement.Line line(List<Enforcement.Line> report, String limit) {
        return report.stream().filter(l -> l.limit().equals(limit)).findFirst().orElseThrow();
    }

    @Test
    void withoutCgroupsOrRootTheUnenforcedLimitsSayWhy() {
        List<Enforcement.Line> r = Enforcement.report(new CgroupDriver.None("cgroup v2 not delegated"), false);
        assertThat(line(r, "maxmem")).isEqualTo(new Enforcement.Line("maxmem", false, "cgroup v2 not delegated"));
        assertThat(line(r, "maxprocs").enforced()).isFalse();
        assertThat(line(r, "maxprocs").how()).contains("RLIMIT_NPROC is not set either");
        assertThat(line(r, "cpu_weight").enforced()).isFalse();
        assertThat(line(r, "tmpfs").how()).contains("do not count in maxmem");
        assertThat(line(r, "private_max_size").toString()).startsWith("private_max_size: not enforced: ");
    }

    @Test
    void asRootWithoutAPidsCgroupTheDomainsUidStillBoundsItsProcesses() {
        List<Enforcement.Line> r = Enforcement.report(new CgroupDriver.None("no cgroups"), true);
        assertThat(line(r, "maxprocs")).isEqualTo(new Enforcement.Line("maxprocs", true,
                "RLIMIT_NPROC of the domain's own host uid only (no cgroups)"));
    }

    @Test
    void v1MemoryAndPidsHoldAndTheMissingCpuHierarchyIsNamed() {
        List<Enforcement.Line> r = Enforcement.report(new CgroupDriver.V1(Map.of(
                CgroupDriver.Controller.MEMORY, Path.of("/nonexistent/memory"),
                CgroupDriver.Controller.PIDS, Path.of("/nonexistent/pids"))), true);
        assertThat(line(r, "maxmem").enforced()).isTrue();
        assertThat(line(r, "maxprocs").how()).isEqualTo("pids.max of the domain's v1 pids cgroup; RLIMIT_NPROC of "
                + "the domain's own host uid at twice maxprocs as a backstop");
        assertThat(line(r, "cpu_weight")).isEqualTo(new Enforcement.Line("cpu_weight", false,
                "no writable cgroup v1 cpu hierarchy"));
        assertThat(line(r, "tmpfs").how()).contains("count in maxmem");
    }
}
