package dev.airlock.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts a command in a domain's bubblewrap sandbox. A JVM cannot enter namespaces itself (it is multithreaded),
 * so bubblewrap sets them up and then executes the command.
 *
 * <p>The sandbox, in the order bubblewrap is told:
 * <ul>
 * <li>new user, mount, PID, IPC, UTS, cgroup and network namespaces ({@code --unshare-all --unshare-user}); the
 *     network namespace holds only a loopback of its own, so no network at all; the hostname is the domain's name.
 *     Inside, the domain is uid and gid {@value #INSIDE_ID}, never root; nested user namespaces are refused
 *     ({@code --disable-userns}), which keeps the kernel's user-namespace code out of the domain's reach.</li>
 * <li>{@code --new-session}, so it has no controlling terminal to inject keystrokes into (TIOCSTI); the price is
 *     no job control for an interactive command. No {@code --die-with-parent}: a domain outlives a broker that
 *     dies, whose successor adopts it.</li>
 * <li>{@code --cap-drop ALL}; bubblewrap always sets {@code no_new_privs}.</li>
 * <li>the system read-only: {@code /usr}, {@code /etc} and, where the host has them, {@code /bin}, {@code /sbin},
 *     {@code /lib}, {@code /lib32}, {@code /lib64} (as the same symlinks where the host merged them into
 *     {@code /usr}). Never {@code /} as a whole: {@code /root}, {@code /home}, the other domains' homes and the
 *     broker's admin socket must not exist inside. The JDK is added read-only when it is not under these.</li>
 * <li>a fresh {@code /proc} (only the sandbox's processes) and a minimal {@code /dev}; private tmpfs, each
 *     bounded in size ({@link SandboxLimits#tmpfsBytes}), on {@code /dev/shm}, {@code /tmp} and {@code /run},
 *     the latter holding only the folder {@code /run/airlock/channel}, which holds the domain's socket to the
 *     broker, bound read-only (connecting needs no write access to the mount, and the domain cannot chmod the
 *     host's socket). The folder, not the socket file, so that a new broker's socket (a new file
 *     at the same path) shows inside.</li>
 * <li>any extra read-only paths (before the mounts above, which therefore cover them), of the installation folder
 *     only {@link #INSTALLED} read-only at {@code /opt/airlock}, then the home at {@code /home/user}; last, the
 *     sandbox's own root folder made read-only. A disposable's home ({@link HomeMount.Layered}) is an overlay
 *     that a user and mount namespace of its own mounts before bubblewrap starts (bubblewrap 0.8 has no overlay
 *     option); its {@code /tmp} is as limited in size as its home.</li>
 * <li>the domain's own {@code /etc/passwd} and {@code /etc/group} ({@link DomainIdentity}) over the host's, when
 *     the spec has them.</li>
 * <li>for a domain with a display ({@link DomainDisplay}): its display folder read-write at
 *     {@value DomainDisplay#IN_DOMAIN}, the system's font cache read-only, and the command started behind a script
 *     that starts the domain's own xpra server and sets {@code DISPLAY} once its X server is up. Nothing of the
 *     host's display: no X socket, cookie or session bus.</li>
 * <li>a cleared environment with only {@code PATH}, {@code HOME}, {@code LANG=C.UTF-8}, {@code JAVA_HOME} and
 *     {@code AIRLOCK_DOMAIN}; the working folder is {@code /home/user}.</li>
 * </ul>
 *
 * <p>As root, the command line starts with {@code setpriv} switching to the domain's unprivileged host user (see
 * {@link HostUser}); that user must be able to reach the home and the agent socket on the host (search permission
 * on the folders above them) and connect to the socket.
 *
 * @param bwrap   the bubblewrap binary
 * @param setpriv util-linux's {@code setpriv}, needed only when the launcher is root
 */
public record Bwrap(Path bwrap, Optional<Path> setpriv) {

    /** The uid and gid of every domain inside its sandbox. */
    public static final int INSIDE_ID = 1000;
    /** Where the domain's home appears. */
    public static final String HOME = "/home/user";
    /** Where the folder of the domain's socket to the broker appears. */
    public static final String CHANNEL = "/run/airlock/channel";
    /** The domain's socket to the broker, in {@link #CHANNEL}. */
    public static final String AGENT_SOCKET = CHANNEL + "/agent.sock";
    /**
     * Where the domain's own service folder appears. Not {@code /usr/local/etc/qubes-rpc} as in Qubes: the system
     * folders are read-only binds of the host's, in which bubblewrap cannot make a mount point.
     */
    public static final String SERVICES = "/run/airlock/qubes-rpc";
    /** Where the in-domain commands appear; the last folder on {@code PATH}. */
    public static final String TOOLS = "/run/airlock/bin";
    /** Where the installation folder appears. */
    public static final String INSTALL = "/opt/airlock";

    private static final String FONT_CACHE = "/var/cache/fontconfig";
    private static final String UNSHARE = "/usr/bin/unshare";
    private static final String SH = "/bin/sh";
    /**
     * Mounts a disposable's home: a tmpfs limited in bytes and files on the stage ($1), holding the overlay's upper
     * and work folders and its mount point {@code m}, over the template's home ($2); then runs bubblewrap.
     */
    static final String LAYER_SCRIPT = "set -e; s=\"$1\"; l=\"$2\"; "
            + "mount -t tmpfs -o \"size=$3,nr_inodes=$4,mode=0700\" airlock-disposable \"$s\"; "
            + "mkdir \"$s/u\" \"$s/w\" \"$s/m\"; "
            + "mount -t overlay overlay -o \"lowerdir=$l,upperdir=$s/u,workdir=$s/w\" \"$s/m\"; "
            + "shift 4; exec \"$@\"";

    /** The entries of the installation folder a domain sees: the jar, its runtime libraries and the class cache. */
    static final List<String> INSTALLED = List.of("airlock.jar", "lib", AotCache.FILE);
    static final List<String> SYSTEM = List.of("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64");
    private static final String PATH = "/usr/local/bin:/usr/bin:/bin:" + TOOLS;

    /**
     * The full command line: {@code setpriv} when switching users, bubblewrap and its options, then {@code command}.
     * Builds a list only; reads the host's system layout but starts nothing.
     */
    public List<String> argv(SandboxSpec spec, HostUser user, List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no command to run in domain " + spec.name());
        }
        List<String> a = new ArrayList<>(prefix(user, spec.home()));
        isolation(a);
        a.addAll(List.of("--hostname", spec.name()));
        Path jdk = realPath(spec.jdkHome());
        system(a);
        spec.identity().ifPresent(id -> a.addAll(List.of(
                "--ro-bind", id.resolve("passwd").toString(), "/etc/passwd",
                "--ro-bind", id.resolve("group").toString(), "/etc/group")));
        if (SYSTEM.stream().map(Path::of).noneMatch(d -> jdk.startsWith(d) && !Files.isSymbolicLink(d))) {
            a.addAll(List.of("--ro-bind", jdk.toString(), jdk.toString()));
        }
        // Before the fixed mounts, so that an extra path can never cover /proc, /tmp, /run or the home.
        for (Path p : spec.extraReadOnly()) {
            a.addAll(List.of("--ro-bind", p.toString(), p.toString()));
        }
        a.addAll(List.of("--proc", "/proc", "--dev", "/dev"));
        // Every writable tmpfs is bounded: all live in the host's memory, and the kernel's default (half of RAM
        // each) lets three of them hold more than the host has. A disposable's are bounded like its home.
        // bubblewrap's --size covers only the next tmpfs, and /dev is itself a tmpfs (with /dev/shm in it), so
        // /dev/shm gets a bounded tmpfs of its own and /dev is made read-only around it.
        String size = Long.toString(spec.home() instanceof HomeMount.Layered l ? l.maxBytes()
                : spec.limits().tmpfsBytes());
        a.addAll(List.of("--size", size, "--tmpfs", "/dev/shm", "--remount-ro", "/dev"));
        a.addAll(List.of("--size", size, "--tmpfs", "/tmp"));
        a.addAll(List.of("--size", size, "--tmpfs", "/run", "--dir", "/run/airlock"));
        a.addAll(List.of("--ro-bind", spec.channel().toString(), CHANNEL));
        spec.services().ifPresent(s -> a.addAll(List.of("--ro-bind", s.toString(), SERVICES)));
        spec.tools().ifPresent(t -> a.addAll(List.of("--ro-bind", t.toString(), TOOLS)));
        spec.display().ifPresent(d -> a.addAll(List.of("--bind", d.folder().toString(), DomainDisplay.IN_DOMAIN,
                // The system's font cache: without it every X client of the domain rebuilds one in the home.
                "--ro-bind-try", FONT_CACHE, FONT_CACHE)));
        installation(a, spec.installDir());
        switch (spec.home()) {
            case HomeMount.Bound b -> a.addAll(List.of("--bind", b.folder().toString(), HOME));
            case HomeMount.Layered l -> a.addAll(List.of("--bind", l.stage().resolve("m").toString(), HOME));
        }
        a.addAll(List.of("--remount-ro", "/", "--chdir", HOME, "--clearenv",
                "--setenv", "PATH", PATH,
                "--setenv", "HOME", HOME,
                "--setenv", "LANG", "C.UTF-8",
                "--setenv", "JAVA_HOME", jdk.toString(),
                "--setenv", "AIRLOCK_DOMAIN", spec.name(),
                "--"));
        a.addAll(spec.display().map(d -> d.wrap(command)).orElse(command));
        return a;
    }

    /** The command line of the smallest sandbox with the same namespaces: running it shows whether sandboxes work. */
    List<String> probeArgv(HostUser user) {
        List<String> a = new ArrayList<>(prefix(user, null));
        isolation(a);
        system(a);
        a.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--", "true"));
        return a;
    }

    /**
     * A process builder for {@code command} in the sandbox of {@code spec}, with an environment of only
     * {@code PATH}: nothing of the launcher's environment (say {@code LD_PRELOAD}) reaches bubblewrap.
     */
    public ProcessBuilder processBuilder(SandboxSpec spec, HostUser user, List<String> command) {
        return cleanBuilder(argv(spec, user, command));
    }

    /** Starts {@code command} in the sandbox of {@code spec}, as {@link HostUser#forHome} decides. */
    public Process start(SandboxSpec spec, List<String> command) throws IOException {
        return processBuilder(spec, HostUser.forHome(ownerOf(spec.home())), command).start();
    }

    /**
     * The folder whose owner a domain runs as: its home, or for a disposable its template's home, since overlay
     * copies a file up only for a user that owns it in the namespace (see {@link HomeMount.Layered}).
     */
    public static Path ownerOf(HomeMount home) {
        return switch (home) {
            case HomeMount.Bound b -> b.folder();
            case HomeMount.Layered l -> l.template();
        };
    }

    static ProcessBuilder cleanBuilder(List<String> argv) {
        ProcessBuilder pb = new ProcessBuilder(argv);
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", PATH);
        return pb;
    }

    /** Whether the launcher's effective uid is 0: a process's {@code /proc/self} belongs to that uid. */
    static boolean launcherIsRoot() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot tell whether airlock runs as root", e);
        }
    }

    private List<String> prefix(HostUser user, HomeMount home) {
        List<String> a = new ArrayList<>();
        if (user instanceof HostUser.Switched s) {
            a.addAll(List.of(setpriv.orElseThrow(() -> new IllegalStateException(
                            "setpriv (util-linux) is needed to run a domain when airlock runs as root")).toString(),
                    "--reuid=" + s.uid(), "--regid=" + s.gid(), "--clear-groups", "--"));
        }
        if (home instanceof HomeMount.Layered l) {
            // bubblewrap 0.8 has no --overlay: a user and mount namespace of the host user's own mounts the layer
            // first. The paths go in as arguments of a fixed script, never into its text.
            a.addAll(List.of(UNSHARE, "--user", "--map-root-user", "--mount", "--", SH, "-c", LAYER_SCRIPT,
                    "airlock-layer", l.stage().toString(), l.template().toString(), Long.toString(l.maxBytes()),
                    Long.toString(l.maxFiles())));
        }
        a.add(bwrap.toString());
        return a;
    }

    /**
     * What a domain runs of the installation, each bound read-only on its own into an otherwise empty
     * {@value #INSTALL}: never the folder as a whole, which in a build is Maven's {@code target/} with test classes
     * and test reports that record the host's paths, user and properties. "-try": the class cache comes and goes
     * (see {@link AotCache}), and a missing jar is reported before a domain starts.
     */
    private static void installation(List<String> a, Path installDir) {
        a.addAll(List.of("--dir", INSTALL));
        for (String entry : INSTALLED) {
            a.addAll(List.of("--ro-bind-try", installDir.resolve(entry).toString(), INSTALL + "/" + entry));
        }
    }

    private static void isolation(List<String> a) {
        a.addAll(List.of("--unshare-all", "--unshare-user", "--disable-userns",
                "--uid", Integer.toString(INSIDE_ID), "--gid", Integer.toString(INSIDE_ID),
                "--new-session", "--cap-drop", "ALL"));
    }

    private static void system(List<String> a) {
        for (String dir : SYSTEM) {
            Path p = Path.of(dir);
            if (Files.isSymbolicLink(p)) {
                a.addAll(List.of("--symlink", readLink(p), dir));
            } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                a.addAll(List.of("--ro-bind", dir, dir));
            }
        }
    }

    private static String readLink(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("JDK home " + p + " cannot be resolved", e);
        }
    }
}
