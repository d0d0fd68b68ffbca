package dev.airlock.limits;

import dev.airlock.limits.CgroupDriver.Controller;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What of a domain's limits holds on this host, and how, or why not: what {@code airlock doctor} prints. */
public final class Enforcement {

    /**
     * One limit's state.
     *
     * @param limit    the property ({@code maxmem}...) or what it is about
     * @param enforced whether it holds
     * @param how      how it is enforced, or why it is not
     */
    public record Line(String limit, boolean enforced, String how) {
        @Override
        public String toString() {
            return limit + ": " + (enforced ? "enforced: " : "not enforced: ") + how;
        }
    }

    private static final Path PRLIMIT = Path.of("/usr/bin/prlimit");

    private Enforcement() {
    }

    /** The state of every limit with {@code driver}, for a broker that runs as root or not. */
    public static List<Line> report(CgroupDriver driver, boolean root) {
        String none = driver instanceof CgroupDriver.None n ? n.reason() : null;
        List<Line> out = new ArrayList<>();
        out.add(switch (driver) {
            case CgroupDriver.SystemdScope s -> new Line("maxmem", true, "MemoryMax and MemorySwapMax of the "
                    + "domain's scope (where systemd delegates the memory controller to " + (s.user() ? "the user"
                    : "the system") + ")");
            case CgroupDriver.V2 v -> new Line("maxmem", true, "memory.max of the domain's cgroup, and "
                    + "memory.swap.max where the kernel accounts swap");
            case CgroupDriver.V1 v when v.own().containsKey(Controller.MEMORY) -> new Line("maxmem", true,
                    "memory.limit_in_bytes of the domain's v1 memory cgroup"
                            + (Files.exists(v.own().get(Controller.MEMORY).resolve("memory.memsw.limit_in_bytes"))
                            ? ", memory.memsw.limit_in_bytes for memory and swap together"
                            : " (swap not bounded: the kernel's swap accounting is off)"));
            case CgroupDriver.V1 v -> new Line("maxmem", false, "no writable cgroup v1 memory hierarchy");
            case CgroupDriver.None n -> new Line("maxmem", false, none);
        });
        String nproc = root ? "RLIMIT_NPROC of the domain's own host uid" : null;
        Line procs = switch (driver) {
            case CgroupDriver.SystemdScope s -> new Line("maxprocs", true, "TasksMax of the domain's scope");
            case CgroupDriver.V2 v -> new Line("maxprocs", true, "pids.max of the domain's cgroup");
            case CgroupDriver.V1 v when v.own().containsKey(Controller.PIDS) -> new Line("maxprocs", true,
                    "pids.max of the domain's v1 pids cgroup");
            case CgroupDriver.V1 v -> nproc != null ? new Line("maxprocs", true, nproc + " only")
                    : new Line("maxprocs", false, "no writable cgroup v1 pids hierarchy");
            case CgroupDriver.None n -> nproc != null ? new Line("maxprocs", true, nproc + " only (" + none + ")")
                    : new Line("maxprocs", false, none + "; RLIMIT_NPROC is not set either: without root the "
                    + "domains run as the user, whose every process it would count");
        };
        if (procs.enforced() && nproc != null && !procs.how().startsWith(nproc)) {
            procs = new Line("maxprocs", true, procs.how() + "; " + nproc + " at twice maxprocs as a backstop");
        }
        out.add(procs);
        out.add(switch (driver) {
            case CgroupDriver.SystemdScope s -> new Line("cpu_weight", true, "CPUWeight of the domain's scope");
            case CgroupDriver.V2 v -> new Line("cpu_weight", true, "cpu.weight of the domain's cgroup");
            case CgroupDriver.V1 v when v.own().containsKey(Controller.CPU) -> new Line("cpu_weight", true,
                    "cpu.shares of the domain's v1 cpu cgroup (weight 100 = 1024 shares)");
            case CgroupDriver.V1 v -> new Line("cpu_weight", false, "no writable cgroup v1 cpu hierarchy");
            case CgroupDriver.None n -> new Line("cpu_weight", false, none);
        });
        boolean prlimit = Files.isExecutable(PRLIMIT);
        out.add(prlimit ? new Line("nofile", true, "RLIMIT_NOFILE, set by " + PRLIMIT + " before the sandbox")
                : new Line("nofile", false, PRLIMIT + " (util-linux) is missing, so domains cannot start"));
        boolean memoryCounted = out.getFirst().enforced();
        out.add(new Line("tmpfs", true, "/tmp, /run and /dev/shm hold at most a quarter of maxmem each (256 MiB at "
                + "most)" + (memoryCounted ? ", and count in maxmem" : "; they do not count in maxmem, which is not "
                + "enforced")));
        out.add(new Line("private_max_size", false, "a domain's home is a folder on the host's file system, which "
                + "airlock cannot bound by itself: it would need project quotas (ext4 or XFS mounted with prjquota) "
                + "or a size-limited image per home, neither set up yet (issue 10)"));
        return out;
    }
}
