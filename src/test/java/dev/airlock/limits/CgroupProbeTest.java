package dev.airlock.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.limits.CgroupDriver.Controller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Choosing how to put domains into cgroups, on fake cgroup trees of the kinds that exist. */
class CgroupProbeTest {

    /** This CI machine: v1 controllers mounted one each, an empty unified hierarchy, no systemd. */
    static final String V1_MOUNTINFO = """
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """;
    static final String V1_CGROUP = """
            8:pids:/
            4:memory:/process_api/abc
            2:cpuacct:/
            1:cpu:/
            0::/
            """;
    static final String V2_MOUNTINFO = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";

    @TempDir
    Path root;

    private CgroupProbe.Host host(boolean asRoot, String mountinfo, String cgroup) {
        return new CgroupProbe.Host(asRoot, cgroup, mountinfo, root, Optional.empty(), Optional.empty());
    }

    private Path dir(String path) throws IOException {
        return Files.createDirectories(root.resolve(path));
    }

    @Test
    void v1HierarchiesAreUsedBelowTheBrokersOwnCgroupInEach() throws IOException {
        Path memory = dir("sys/fs/cgroup/memory/process_api/abc");
        Path pids = dir("sys/fs/cgroup/pids");
        Path cpu = dir("sys/fs/cgroup/cpu");
        Files.writeString(dir("sys/fs/cgroup/unified").resolve("cgroup.controllers"), "\n");
        CgroupDriver d = CgroupProbe.probe(host(true, V1_MOUNTINFO, V1_CGROUP));
        assertThat(d).isInstanceOf(CgroupDriver.V1.class);
        assertThat(((CgroupDriver.V1) d).own()).containsEntry(Controller.MEMORY, memory)
                .containsEntry(Controller.PIDS, pids).containsEntry(Controller.CPU, cpu).hasSize(3);
    }

    @Test
    void readOnlyV1HierarchyIsLeftOut() throws IOException {
        dir("sys/fs/cgroup/memory/process_api/abc");
        dir("sys/fs/cgroup/pids");
        dir("sys/fs/cgroup/cpu");
        String mountinfo = V1_MOUNTINFO.replace("/sys/fs/cgroup/pids rw,relatime", "/sys/fs/cgroup/pids ro,relatime");
        CgroupDriver d = CgroupProbe.probe(host(true, mountinfo, V1_CGROUP));
        assertThat(((CgroupDriver.V1) d).own()).containsOnlyKeys(Controller.MEMORY, Controller.CPU);
    }

    @Test
    void cgroupOfAContainerIsFoundBelowItsMountRoot() throws IOException {
        Path memory = dir("sys/fs/cgroup/memory/abc");
        String mountinfo = "35 31 0:32 /process_api /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
        CgroupDriver d = CgroupProbe.probe(host(true, mountinfo, "4:memory:/process_api/abc\n"));
        assertThat(((CgroupDriver.V1) d).own()).containsExactlyEntriesOf(java.util.Map.of(Controller.MEMORY, memory));
        CgroupDriver outside = CgroupProbe.probe(host(true, mountinfo, "4:memory:/elsewhere/abc\n"));
        assertThat(outside).isInstanceOf(CgroupDriver.None.class);
    }

    @Test
    void cgroupPathCannotClimbOutOfItsMount() throws IOException {
        dir("sys/fs/cgroup/memory");
        dir("etc");
        CgroupDriver d = CgroupProbe.probe(host(true, V1_MOUNTINFO, "4:memory:/../../../../etc\n"));
        assertThat(d).isInstanceOf(CgroupDriver.None.class);
    }

    @Test
    void v2IsWrittenDirectlyWhereTheBrokersCgroupDelegatesTheControllers() throws IOException {
        Path own = dir("sys/fs/cgroup/user.slice/airlock.service");
        Files.writeString(own.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        Files.writeString(own.resolve("cgroup.subtree_control"), "cpu memory pids\n");
        CgroupDriver d = CgroupProbe.probe(host(false, V2_MOUNTINFO, "0::/user.slice/airlock.service\n"));
        assertThat(d).isEqualTo(new CgroupDriver.V2(own));
    }

    @Test
    void v2TopCgroupMayEnableWhatItOffers() throws IOException {
        Path top = dir("sys/fs/cgroup");
        Files.writeString(top.resolve("cgroup.controllers"), "cpu memory pids\n");
        Files.writeString(top.resolve("cgroup.subtree_control"), "\n");
        assertThat(CgroupProbe.probe(host(true, V2_MOUNTINFO, "0::/\n"))).isEqualTo(new CgroupDriver.V2(top));
    }

    @Test
    void undelegatedV2WithoutSystemdEnforcesNothingAndSaysWhy() throws IOException {
        Path own = dir("sys/fs/cgroup/user.slice/session-1.scope");
        Files.writeString(own.resolve("cgroup.controllers"), "cpu memory pids\n");
        Files.writeString(own.resolve("cgroup.subtree_control"), "\n");
        CgroupDriver d = CgroupProbe.probe(host(false, V2_MOUNTINFO, "0::/user.slice/session-1.scope\n"));
        assertThat(d).isInstanceOf(CgroupDriver.None.class);
        assertThat(((CgroupDriver.None) d).reason()).contains("systemd is not running")
                .contains("does not pass memory, pids and cpu to cgroups below it (it passes: none)")
                .contains("run the broker under systemd");
    }

    @Test
    void systemdGetsAScopePerDomainForRootAndForAUserWithABus() throws IOException {
        dir("run/systemd/system");
        Path run = Path.of("/usr/bin/systemd-run");
        CgroupProbe.Host asRoot = new CgroupProbe.Host(true, "0::/system.slice/airlock.service\n", V2_MOUNTINFO, root,
                Optional.empty(), Optional.of(run));
        assertThat(CgroupProbe.probe(asRoot)).isEqualTo(new CgroupDriver.SystemdScope(run, false, null));
        Path runtime = dir("run/user/1000");
        Files.writeString(runtime.resolve("bus"), "");
        CgroupProbe.Host user = new CgroupProbe.Host(false, "0::/user.slice\n", V2_MOUNTINFO, root,
                Optional.of(runtime), Optional.of(run));
        assertThat(CgroupProbe.probe(user)).isEqualTo(new CgroupDriver.SystemdScope(run, true, runtime));
        Files.delete(runtime.resolve("bus"));
        CgroupDriver noBus = CgroupProbe.probe(user);
        assertThat(noBus).isInstanceOf(CgroupDriver.None.class);
        assertThat(((CgroupDriver.None) noBus).reason()).contains("the user's systemd cannot be reached");
    }

    @Test
    void ownCgroupIsReadPerController() {
        assertThat(CgroupProbe.ownPath(V1_CGROUP, "memory")).contains("/process_api/abc");
        assertThat(CgroupProbe.ownPath("3:cpu,cpuacct:/a\n", "cpu")).contains("/a");
        assertThat(CgroupProbe.ownPath(V1_CGROUP, "")).contains("/");
        assertThat(CgroupProbe.ownPath(V1_CGROUP, "blkio")).isEmpty();
    }
}
