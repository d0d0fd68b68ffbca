package dev.airlock.limits;

import dev.airlock.limits.CgroupDriver.Controller;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds out how the broker can put domains into cgroups here, preferring what the machine's owner of the cgroup
 * tree expects: systemd's scopes where systemd runs, else the unified hierarchy written directly where the
 * broker's cgroup delegates the controllers, else the v1 hierarchies written directly (this is what containers
 * and CI machines without systemd often have). Reads only; creates nothing.
 */
public final class CgroupProbe {

    /**
     * What the probe reads of the host; {@link #current} is the real one, tests give a fake cgroup tree.
     *
     * @param root           whether the broker runs as root
     * @param procSelfCgroup the text of {@code /proc/self/cgroup}
     * @param mountinfo      the text of {@code /proc/self/mountinfo}
     * @param fsRoot         where the paths in {@code mountinfo} and {@code /run/systemd} are looked up: {@code /}
     * @param runtimeDir     the user's {@code XDG_RUNTIME_DIR}, if set
     * @param systemdRun     {@code systemd-run}, if installed
     */
    public record Host(boolean root, String procSelfCgroup, String mountinfo, Path fsRoot,
                       Optional<Path> runtimeDir, Optional<Path> systemdRun) {

        /** This process's view of the host. */
        public static Host current() throws IOException {
            boolean root = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
            Optional<Path> runtime = Optional.ofNullable(System.getenv("XDG_RUNTIME_DIR"))
                    .filter(s -> s.startsWith("/")).map(Path::of);
            Optional<Path> systemdRun = Set.of("/usr/bin/systemd-run", "/bin/systemd-run").stream().map(Path::of)
                    .filter(Files::isExecutable).findFirst();
            return new Host(root, Files.readString(Path.of("/proc/self/cgroup")),
                    Files.readString(Path.of("/proc/self/mountinfo")), Path.of("/"), runtime, systemdRun);
        }
    }

    private CgroupProbe() {
    }

    /** The driver for this process on this host; no cgroups when the process's own cannot be read. */
    public static CgroupDriver current() {
        try {
            return probe(Host.current());
        } catch (IOException e) {
            return new CgroupDriver.None("cannot read this process's cgroups: " + e.getMessage());
        }
    }

    /** The driver the broker uses on {@code host}. */
    public static CgroupDriver probe(Host host) {
        boolean systemd = Files.isDirectory(host.fsRoot().resolve("run/systemd/system"));
        if (systemd && host.systemdRun().isPresent()) {
            if (host.root()) {
                return new CgroupDriver.SystemdScope(host.systemdRun().get(), false, null);
            }
            Optional<Path> rt = host.runtimeDir().filter(d -> Files.exists(d.resolve("systemd/private"))
                    || Files.exists(d.resolve("bus")));
            if (rt.isPresent()) {
                return new CgroupDriver.SystemdScope(host.systemdRun().get(), true, rt.get());
            }
        }
        List<Mount> mounts = mounts(host);
        List<String> reasons = new ArrayList<>();
        if (!systemd) {
            reasons.add("systemd is not running");
        } else if (host.systemdRun().isEmpty()) {
            reasons.add("systemd-run is not installed");
        } else {
            reasons.add("the user's systemd cannot be reached (no XDG_RUNTIME_DIR with its bus)");
        }
        String v2 = v2Problem(host, mounts);
        if (v2 == null) {
            return new CgroupDriver.V2(v2Own(host, mounts).orElseThrow());
        }
        reasons.add(v2);
        Map<Controller, Path> v1 = new EnumMap<>(Controller.class);
        for (Controller c : Controller.values()) {
            v1Own(host, mounts, c).filter(CgroupProbe::writable).ifPresent(p -> v1.put(c, p));
        }
        if (!v1.isEmpty()) {
            return new CgroupDriver.V1(v1);
        }
        reasons.add("no writable cgroup v1 hierarchy of memory, pids or cpu");
        return new CgroupDriver.None(String.join("; ", reasons)
                + " (run the broker under systemd, or as root where the cgroup tree is writable)");
    }

    /** A cgroup file system mounted here. */
    record Mount(Path mountPoint, String root, String fsType, Set<String> superOptions, boolean readOnly) {
    }

    /** Why the unified hierarchy cannot be used, or null when it can. */
    private static String v2Problem(Host host, List<Mount> mounts) {
        Optional<Path> own = v2Own(host, mounts);
        if (own.isEmpty()) {
            return "no cgroup v2 hierarchy holds the broker";
        }
        Path dir = own.get();
        if (!writable(dir)) {
            return "the broker's cgroup v2 " + dir + " is not writable";
        }
        Set<String> passed = words(dir.resolve("cgroup.subtree_control"));
        Set<String> offered = words(dir.resolve("cgroup.controllers"));
        boolean top = dir.equals(v2Mount(mounts).map(m -> mountDir(host, m)).orElse(null));
        List<String> needed = List.of("memory", "pids", "cpu");
        // Below the top, a cgroup holding processes cannot pass controllers on ("no internal processes"): they
        // must have been delegated already. The top may enable what it offers.
        Set<String> usable = top ? offered : passed;
        if (!usable.containsAll(needed)) {
            return "the broker's cgroup v2 " + dir + " does not pass memory, pids and cpu to cgroups below it"
                    + " (it passes: " + (usable.isEmpty() ? "none" : String.join(" ", usable.stream().sorted()
                    .toList())) + ")";
        }
        return null;
    }

    private static Optional<Mount> v2Mount(List<Mount> mounts) {
        return mounts.stream().filter(m -> m.fsType().equals("cgroup2")).findFirst();
    }

    private static Optional<Path> v2Own(Host host, List<Mount> mounts) {
        Optional<Mount> m = v2Mount(mounts);
        Optional<String> path = ownPath(host.procSelfCgroup(), "");
        if (m.isEmpty() || path.isEmpty()) {
            return Optional.empty();
        }
        return below(host, m.get(), path.get());
    }

    private static Optional<Path> v1Own(Host host, List<Mount> mounts, Controller c) {
        Optional<Mount> m = mounts.stream()
                .filter(x -> x.fsType().equals("cgroup") && x.superOptions().contains(c.kernelName)).findFirst();
        Optional<String> path = ownPath(host.procSelfCgroup(), c.kernelName);
        if (m.isEmpty() || path.isEmpty() || m.get().readOnly()) {
            return Optional.empty();
        }
        return below(host, m.get(), path.get());
    }

    /** The folder of cgroup {@code path} under mount {@code m}, if the mount shows it. */
    private static Optional<Path> below(Host host, Mount m, String path) {
        String rel;
        if (m.root().equals("/")) {
            rel = path;
        } else if (path.equals(m.root()) || path.startsWith(m.root() + "/")) {
            rel = path.substring(m.root().length());
        } else {
            return Optional.empty();
        }
        Path mp = mountDir(host, m);
        Path dir = rel.isEmpty() || rel.equals("/") ? mp : mp.resolve(rel.substring(1));
        Path normal = dir.normalize();
        return normal.startsWith(mp) && Files.isDirectory(normal, LinkOption.NOFOLLOW_LINKS)
                ? Optional.of(normal) : Optional.empty();
    }

    private static Path mountDir(Host host, Mount m) {
        return host.fsRoot().resolve(m.mountPoint().toString().substring(1)).normalize();
    }

    /**
     * The broker's cgroup in the hierarchy of {@code controller} ({@code ""}: the unified one), from
     * {@code /proc/self/cgroup}'s lines {@code ID:CONTROLLERS:PATH}.
     */
    static Optional<String> ownPath(String procSelfCgroup, String controller) {
        for (String line : procSelfCgroup.split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length != 3 || !f[2].startsWith("/")) {
                continue;
            }
            boolean match = controller.isEmpty() ? f[0].equals("0") && f[1].isEmpty()
                    : List.of(f[1].split(",")).contains(controller);
            if (match) {
                return Optional.of(f[2]);
            }
        }
        return Optional.empty();
    }

    /** The cgroup mounts in {@code /proc/self/mountinfo}. */
    static List<Mount> mounts(Host host) {
        List<Mount> out = new ArrayList<>();
        for (String line : host.mountinfo().split("\n")) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] left = line.substring(0, dash).split(" ");
            String[] right = line.substring(dash + 3).split(" ");
            if (left.length < 6 || right.length < 3 || !right[0].startsWith("cgroup")) {
                continue;
            }
            Set<String> mountOptions = Set.of(left[5].split(","));
            out.add(new Mount(Path.of(unescape(left[4])), unescape(left[3]), right[0],
                    Set.of(right[2].split(",")), mountOptions.contains("ro")));
        }
        return out;
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes. */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()
                    && s.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static Set<String> words(Path file) {
        try {
            String s = Files.readString(file).strip();
            return s.isEmpty() ? Set.of() : Set.of(s.split("\\s+"));
        } catch (IOException e) {
            return Set.of();
        }
    }

    private static boolean writable(Path dir) {
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && Files.isWritable(dir);
    }
}
