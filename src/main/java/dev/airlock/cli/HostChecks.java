package dev.airlock.cli;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.sandbox.BwrapCheck;
import dev.airlock.sandbox.Landlock;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code airlock doctor} checks about the host before the limits: each one line, with the exact fix when it
 * fails. A {@link Status#FAIL} keeps domains from working; a {@link Status#WARN} costs a feature (windows,
 * notifications, a layer of confinement) and does not change the exit code.
 */
final class HostChecks {
    /** The oldest kernel with Landlock (5.13); bubblewrap itself needs far less. */
    static final int[] LANDLOCK_KERNEL = {5, 13};
    /** Below this much free space in the state folder's file system, copies and backups soon fail. */
    static final long LOW_SPACE = 1L << 30;
    private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)");

    enum Status { OK, WARN, FAIL }

    /** One check's verdict; {@code fix} is empty when there is nothing to do. */
    record Check(String name, Status status, String what, String fix) {
        String line() {
            String head = name + ": " + (status == Status.OK ? "" : status.name() + ": ") + what;
            return fix.isEmpty() ? head : head + "\n  fix: " + fix;
        }
    }

    private HostChecks() {
    }

    /** Every check, in the order a user fixes them: kernel first, the broker last. */
    static List<Check> all(AirlockHome home, boolean root, Map<String, String> env) {
        List<Check> out = new ArrayList<>();
        out.add(kernel(read("/proc/sys/kernel/osrelease")));
        out.add(landlock(Landlock.abiVersion()));
        out.add(userNamespaces(read("/proc/sys/kernel/unprivileged_userns_clone"),
                read("/proc/sys/user/max_user_namespaces"),
                read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns")));
        out.add(bubblewrap(BwrapCheck.check()));
        if (root) {
            out.add(setpriv(env.get("PATH")));
        }
        out.add(stateFolder(home.root(), root));
        out.add(display(env));
        out.add(notifications(env.get("PATH")));
        out.add(freeSpace(home.root()));
        out.add(broker(new AdminClient(home).isRunning()));
        return out;
    }

    static Check kernel(Optional<String> release) {
        if (release.isEmpty()) {
            return new Check("kernel", Status.WARN, "cannot read /proc/sys/kernel/osrelease", "");
        }
        Matcher m = RELEASE.matcher(release.get());
        if (m.find()) {
            int major = Integer.parseInt(m.group(1));
            int minor = Integer.parseInt(m.group(2));
            if (major < LANDLOCK_KERNEL[0] || major == LANDLOCK_KERNEL[0] && minor < LANDLOCK_KERNEL[1]) {
                return new Check("kernel", Status.WARN, release.get() + " is older than 5.13: no Landlock for the "
                        + "receivers", "upgrade to a kernel 5.13 or newer (6.7+ for Landlock's network rules)");
            }
        }
        return new Check("kernel", Status.OK, release.get(), "");
    }

    static Check landlock(int abi) {
        if (abi < 1) {
            return new Check("landlock", Status.WARN, "not available: the receivers run without their own "
                    + "confinement to the destination (the sandbox still holds)",
                    "enable it at boot: add lsm=landlock,lockdown,yama,integrity,apparmor to the kernel command "
                            + "line (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub and reboot)");
        }
        return new Check("landlock", Status.OK, "ABI " + abi, "");
    }

    static Check userNamespaces(Optional<String> clone, Optional<String> max, Optional<String> apparmor) {
        if (clone.isPresent() && !clone.get().equals("1")) {
            return new Check("user namespaces", Status.FAIL, "kernel.unprivileged_userns_clone is " + clone.get(),
                    "sysctl -w kernel.unprivileged_userns_clone=1 (and add it to /etc/sysctl.d/99-airlock.conf)");
        }
        if (max.isPresent() && max.get().equals("0")) {
            return new Check("user namespaces", Status.FAIL, "user.max_user_namespaces is 0",
                    "sysctl -w user.max_user_namespaces=15000 (and add it to /etc/sysctl.d/99-airlock.conf)");
        }
        if (apparmor.isPresent() && apparmor.get().equals("1")) {
            return new Check("user namespaces", Status.WARN, "AppArmor restricts unprivileged user namespaces "
                    + "(kernel.apparmor_restrict_unprivileged_userns=1): bubblewrap works only with a profile that "
                    + "allows it (Ubuntu ships one for /usr/bin/bwrap in apparmor's bwrap-userns-restrict)",
                    "if the bubblewrap check fails: apt-get install apparmor-profiles and reload AppArmor, or "
                            + "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0");
        }
        return new Check("user namespaces", Status.OK, "unprivileged user namespaces allowed", "");
    }

    static Check bubblewrap(BwrapCheck.Result result) {
        return switch (result) {
            case BwrapCheck.Ready r -> new Check("bubblewrap", Status.OK, r.message(), "");
            case BwrapCheck.Missing m when m.message().contains("setpriv") ->
                    new Check("bubblewrap", Status.FAIL, "installed, but not usable without setpriv",
                            "apt-get install util-linux");
            case BwrapCheck.Missing m -> new Check("bubblewrap", Status.FAIL, "not installed",
                    "apt-get install bubblewrap (Debian/Ubuntu) or dnf install bubblewrap (Fedora)");
            case BwrapCheck.Broken b -> new Check("bubblewrap", Status.FAIL, b.message(),
                    "see the user namespaces check above");
        };
    }

    static Check setpriv(String path) {
        return onPath(path, "setpriv") ? new Check("setpriv", Status.OK, "found: as root each domain runs as a host user of its own",
                "") : new Check("setpriv", Status.FAIL, "missing: as root airlock switches to each domain's user "
                + "with it", "apt-get install util-linux");
    }

    /**
     * The state folder: as root, the domains' host users must pass through every folder above it (the case a
     * broker refuses with "cannot pass through"); otherwise it must be this user's.
     */
    static Check stateFolder(Path root, boolean asRoot) {
        Path p = root.toAbsolutePath().normalize();
        if (asRoot) {
            for (Path up = p.getParent(); up != null; up = up.getParent()) {
                try {
                    if (Files.exists(up) && !Files.getPosixFilePermissions(up)
                            .contains(PosixFilePermission.OTHERS_EXECUTE)) {
                        return new Check("state folder", Status.FAIL, p + ": the domains' host users cannot pass "
                                + "through " + up, "chmod o+x " + up + ", or set AIRLOCK_HOME to a folder "
                                + "outside it (for example /var/lib/airlock)");
                    }
                } catch (IOException e) {
                    return new Check("state folder", Status.FAIL, "cannot read the permissions of " + up + ": "
                            + e.getMessage(), "check the folders above " + p);
                }
            }
        }
        if (!Files.exists(p)) {
            return new Check("state folder", Status.OK, p + " (made at first use)", "");
        }
        if (!Files.isDirectory(p) || !Files.isWritable(p)) {
            return new Check("state folder", Status.FAIL, p + " is not a folder this user can write",
                    "set AIRLOCK_HOME to one, or fix its owner: chown -R \"$(id -u)\" " + p);
        }
        return new Check("state folder", Status.OK, p.toString(), "");
    }

    /** A desktop to show domains' windows on; a text-only host is fine, so this only warns. */
    static Check display(Map<String, String> env) {
        String x = env.get("DISPLAY");
        String wayland = env.get("WAYLAND_DISPLAY");
        if ((x == null || x.isBlank()) && (wayland == null || wayland.isBlank())) {
            return new Check("display", Status.WARN, "no DISPLAY or WAYLAND_DISPLAY here: domains show no "
                    + "windows and asks fall back to airlock approve", "run airlock up from inside the desktop "
                    + "session (or with DISPLAY set to it)");
        }
        return new Check("display", Status.OK, x != null && !x.isBlank() ? "X display " + x
                : "Wayland display " + wayland + " (domains' windows need its XWayland)", "");
    }

    /** The tool the broker posts desktop notifications with; without it they are only in the audit log. */
    static Check notifications(String path) {
        return onPath(path, "notify-send")
                ? new Check("notifications", Status.OK, "notify-send found (the bus is the one airlock up records)",
                "")
                : new Check("notifications", Status.WARN, "notify-send is missing: no desktop notifications of "
                + "calls and copies (the audit log still has them)", "apt-get install libnotify-bin");
    }

    static Check freeSpace(Path root) {
        Path p = root.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return new Check("free space", Status.WARN, "no existing folder above " + root, "");
        }
        try {
            FileStore store = Files.getFileStore(p);
            long free = store.getUsableSpace();
            String what = (free >> 20) + " MiB free in " + p;
            return free < LOW_SPACE ? new Check("free space", Status.WARN, what + ": domains' homes, copies and "
                    + "backups soon fail", "free space there, or set AIRLOCK_HOME to a larger file system")
                    : new Check("free space", Status.OK, what, "");
        } catch (IOException e) {
            return new Check("free space", Status.WARN, "cannot tell for " + p + ": " + e.getMessage(), "");
        }
    }

    static Check broker(boolean running) {
        return running ? new Check("broker", Status.OK, "running", "")
                : new Check("broker", Status.OK, "not running (airlock up, or systemctl --user start "
                + "airlockd.service where the package is installed)", "");
    }

    /** Whether {@code program} is on {@code path}; relative entries (the working folder) never count. */
    private static boolean onPath(String path, String program) {
        return path != null && List.of(path.split(":")).stream()
                .filter(d -> d.startsWith("/")).anyMatch(d -> Files.isExecutable(Path.of(d, program)));
    }

    private static Optional<String> read(String file) {
        try {
            return Optional.of(Files.readString(Path.of(file)).strip());
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }
}
