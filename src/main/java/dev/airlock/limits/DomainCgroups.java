package dev.airlock.limits;

import dev.airlock.domain.ResourceLimits;
import dev.airlock.limits.CgroupDriver.Controller;
import dev.airlock.qrexec.QrexecNames;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cgroups of one broker's domains: {@code airlock-HASH/NAME} below the broker's own cgroup in each hierarchy
 * (HASH of the airlock home, so that two brokers, or two test runs, never share one), or a systemd scope
 * {@code airlock-HASH-NAME.scope}. Below its own cgroup is where a delegated broker may write, and where the
 * limits of whatever runs the broker still cover its domains.
 *
 * <p>A sandbox joins its cgroups before it runs anything: its command line starts with {@link #prepare}'s
 * prefix, a shell that writes its own pid into each cgroup and then executes the rest. Adding the pid after the
 * start would leave a moment in which a fork bomb's children escape into the broker's cgroup.
 */
public final class DomainCgroups {

    /**
     * Writes its own pid into each file before {@code --}, then runs what follows; the file names are arguments,
     * never part of the script's text.
     */
    static final String JOIN_SCRIPT = "for f; do shift; [ \"$f\" = -- ] && break; "
            + "echo $$ > \"$f\" || { echo \"airlock: cannot join the cgroup $f\" >&2; exit 125; }; done; "
            + "exec \"$@\"";
    static final String SH = "/bin/sh";
    private static final long REMOVE_MILLIS = 3000;

    private final CgroupDriver driver;
    private final String group;

    /** The cgroups of the broker of {@code airlockHome}, made as {@code driver} says. */
    public DomainCgroups(CgroupDriver driver, Path airlockHome) {
        this.driver = driver;
        this.group = groupName(airlockHome);
    }

    public CgroupDriver driver() {
        return driver;
    }

    /** Whether the domains' cgroups bound their number of processes. */
    public boolean limitsProcesses() {
        return switch (driver) {
            case CgroupDriver.None n -> false;
            case CgroupDriver.SystemdScope s -> true;
            case CgroupDriver.V2 v -> true;
            case CgroupDriver.V1 v -> v.own().containsKey(Controller.PIDS);
        };
    }

    /** {@code airlock-} and 12 hex digits of the SHA-256 of the home's absolute path. */
    public static String groupName(Path airlockHome) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(airlockHome.toAbsolutePath().normalize().toString()
                    .getBytes(StandardCharsets.UTF_8));
            return "airlock-" + HexFormat.of().formatHex(h, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JDK", e);
        }
    }

    /**
     * Makes {@code name}'s cgroups with {@code limits}, first removing any a sandbox of that name left (with what
     * still runs in them), and returns the start of the command line that runs a command in them; empty when
     * there are no cgroups to use.
     */
    public List<String> prepare(String name, ResourceLimits limits) throws IOException {
        requireName(name);
        long mem = limits.maxmemBytes();
        return switch (driver) {
            case CgroupDriver.None n -> List.of();
            case CgroupDriver.SystemdScope s -> {
                List<String> a = new ArrayList<>();
                if (s.user()) {
                    a.addAll(List.of("/usr/bin/env", "XDG_RUNTIME_DIR=" + s.runtimeDir()));
                }
                a.add(s.systemdRun().toString());
                if (s.user()) {
                    a.add("--user");
                }
                a.addAll(List.of("--scope", "--quiet", "--collect", "--unit=" + group + "-" + name + ".scope",
                        "-p", "MemoryMax=" + mem, "-p", "MemorySwapMax=" + mem,
                        "-p", "TasksMax=" + limits.maxprocs(), "-p", "CPUWeight=" + limits.cpuWeight(), "--"));
                yield a;
            }
            case CgroupDriver.V2 v -> {
                remove(name);
                Path parent = v.own().resolve(group);
                passControllers(v.own());
                Files.createDirectories(parent);
                passControllers(parent);
                Path leaf = Files.createDirectory(parent.resolve(name));
                write(leaf, "memory.max", mem);
                writeIfPresent(leaf, "memory.swap.max", mem);
                write(leaf, "pids.max", limits.maxprocs());
                write(leaf, "cpu.weight", limits.cpuWeight());
                yield join(List.of(leaf.resolve("cgroup.procs")));
            }
            case CgroupDriver.V1 v -> {
                remove(name);
                List<Path> procs = new ArrayList<>();
                for (Map.Entry<Controller, Path> e : v.own().entrySet()) {
                    Path leaf = Files.createDirectories(e.getValue().resolve(group)).resolve(name);
                    Files.createDirectory(leaf);
                    switch (e.getKey()) {
                        case MEMORY -> {
                            write(leaf, "memory.limit_in_bytes", mem);
                            // memsw bounds memory and swap together; it exists only with swap accounting on.
                            writeIfPresent(leaf, "memory.memsw.limit_in_bytes", 2 * mem);
                        }
                        case PIDS -> write(leaf, "pids.max", limits.maxprocs());
                        // v1 shares: 1024 is the default weight, as 100 is in v2.
                        case CPU -> write(leaf, "cpu.shares", Math.max(2, limits.cpuWeight() * 1024L / 100));
                    }
                    procs.add(leaf.resolve("cgroup.procs"));
                }
                yield join(procs);
            }
        };
    }

    /**
     * Removes {@code name}'s cgroups, killing whatever still runs in them (nothing, once its sandbox is gone: the
     * kernel kills a PID namespace's processes with its init); gives up after a few seconds. Nothing to do for a
     * systemd scope, which systemd collects when its last process is gone.
     */
    public void remove(String name) throws IOException {
        for (Path leaf : leaves(name)) {
            if (!Files.isDirectory(leaf, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            long deadline = System.currentTimeMillis() + REMOVE_MILLIS;
            while (true) {
                killAll(leaf);
                try {
                    Files.delete(leaf);
                    break;
                } catch (NoSuchFileException e) {
                    break;
                } catch (IOException e) {
                    // EBUSY while the last processes exit.
                    if (System.currentTimeMillis() > deadline) {
                        throw new IOException("cannot remove cgroup " + leaf + ": " + e.getMessage(), e);
                    }
                    sleep();
                }
            }
        }
    }

    /**
     * Removes the broker's group folders with every domain cgroup in them that no process uses any more (one whose
     * removal timed out while its last processes were exiting); the kernel refuses to remove a cgroup that still
     * has processes, so domains left running for the next broker keep theirs.
     */
    public void close() {
        for (Path g : groups()) {
            try (DirectoryStream<Path> leaves = Files.newDirectoryStream(g, Files::isDirectory)) {
                for (Path leaf : leaves) {
                    deleteQuietly(leaf);
                }
            } catch (IOException e) {
                // No group folder: nothing was started.
            }
            deleteQuietly(g);
        }
    }

    private static void deleteQuietly(Path cgroup) {
        try {
            Files.deleteIfExists(cgroup);
        } catch (IOException e) {
            // EBUSY: still in use by a domain left running.
        }
    }

    private List<Path> groups() {
        return switch (driver) {
            case CgroupDriver.None n -> List.of();
            case CgroupDriver.SystemdScope s -> List.of();
            case CgroupDriver.V2 v -> List.of(v.own().resolve(group));
            case CgroupDriver.V1 v -> v.own().values().stream().map(p -> p.resolve(group)).toList();
        };
    }

    private List<Path> leaves(String name) {
        requireName(name);
        return groups().stream().map(g -> g.resolve(name)).toList();
    }

    private static void requireName(String name) {
        if (!QrexecNames.isDomainName(name)) {
            // Never a path or unit name of the caller's choosing.
            throw new IllegalArgumentException("not a domain name: " + name);
        }
    }

    private static List<String> join(List<Path> procs) {
        List<String> a = new ArrayList<>(List.of(SH, "-c", JOIN_SCRIPT, "airlock-cgroup"));
        procs.forEach(p -> a.add(p.toString()));
        a.add("--");
        return a;
    }

    /** Lets the cgroups below {@code dir} use memory, pids and cpu, unless it does already. */
    private static void passControllers(Path dir) throws IOException {
        Path control = dir.resolve("cgroup.subtree_control");
        String now = Files.exists(control) ? Files.readString(control) : "";
        if (!Set.of(now.strip().split("\\s+")).containsAll(Set.of("memory", "pids", "cpu"))) {
            Files.writeString(control, "+memory +pids +cpu");
        }
    }

    private static void write(Path leaf, String file, long value) throws IOException {
        try {
            Files.writeString(leaf.resolve(file), Long.toString(value));
        } catch (IOException e) {
            throw new IOException("cannot set " + leaf.resolve(file) + " to " + value + ": " + e.getMessage(), e);
        }
    }

    private static void writeIfPresent(Path leaf, String file, long value) throws IOException {
        if (Files.exists(leaf.resolve(file))) {
            write(leaf, file, value);
        }
    }

    private static void killAll(Path leaf) throws IOException {
        String procs;
        try {
            procs = Files.readString(leaf.resolve("cgroup.procs"));
        } catch (NoSuchFileException e) {
            return;
        }
        for (String pid : procs.split("\n")) {
            if (!pid.isBlank()) {
                ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** Waits a little even when interrupted (and keeps the interrupt): a stop must not leave cgroups behind. */
    private static void sleep() {
        boolean interrupted = Thread.interrupted();
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
