package dev.airlock.limits;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/** How this host lets the broker put each domain into cgroups of its own, as {@link CgroupProbe} found it. */
public sealed interface CgroupDriver {

    /** The controllers airlock uses: memory (with swap), process count, CPU weight. */
    enum Controller {
        MEMORY("memory"), PIDS("pids"), CPU("cpu");

        final String kernelName;

        Controller(String kernelName) {
            this.kernelName = kernelName;
        }
    }

    /** One line for {@code airlock doctor}: what the broker would use. */
    String describe();

    /**
     * systemd runs the machine: each domain starts in a transient scope of its own ({@code systemd-run --scope}),
     * with systemd's resource properties. systemd owns the cgroup tree, so this is the one way that works on a
     * desktop, where the cgroup v2 tree is systemd's and the user's processes may write only what it delegated.
     *
     * @param systemdRun the {@code systemd-run} binary
     * @param user       whether to ask the user's own systemd ({@code --user}), as a broker that is not root must
     * @param runtimeDir for {@code user}, the user's {@code XDG_RUNTIME_DIR}, where {@code systemd-run} finds the
     *                   user's systemd (the sandbox's launch has a cleared environment)
     */
    record SystemdScope(Path systemdRun, boolean user, Path runtimeDir) implements CgroupDriver {
        public SystemdScope {
            Objects.requireNonNull(systemdRun, "systemdRun");
            if (user) {
                Objects.requireNonNull(runtimeDir, "runtimeDir");
            }
        }

        @Override
        public String describe() {
            return "a systemd scope per domain (" + systemdRun + (user ? " --user" : "") + " --scope)";
        }
    }

    /**
     * The unified hierarchy, written directly: the broker's own cgroup passes the memory, pids and cpu controllers
     * on to the cgroups below it.
     *
     * @param own the broker's own cgroup folder
     */
    record V2(Path own) implements CgroupDriver {
        @Override
        public String describe() {
            return "cgroup v2, directly below the broker's cgroup " + own;
        }
    }

    /**
     * The v1 hierarchies, written directly: each controller has its own tree, and the broker's cgroup in each of
     * them may have children. A controller missing from {@code own} is not mounted or not writable here.
     *
     * @param own the broker's own cgroup folder in each controller's hierarchy
     */
    record V1(Map<Controller, Path> own) implements CgroupDriver {
        public V1 {
            own = Map.copyOf(own);
            if (own.isEmpty()) {
                throw new IllegalArgumentException("no cgroup v1 controller to use");
            }
        }

        @Override
        public String describe() {
            StringBuilder b = new StringBuilder("cgroup v1, directly below the broker's cgroups:");
            for (Controller c : Controller.values()) {
                if (own.containsKey(c)) {
                    b.append(' ').append(c.kernelName).append(' ').append(own.get(c));
                }
            }
            return b.toString();
        }
    }

    /** No cgroup can be used: the domains get their rlimits and tmpfs sizes only. */
    record None(String reason) implements CgroupDriver {
        @Override
        public String describe() {
            return "no cgroups: " + reason;
        }
    }
}
