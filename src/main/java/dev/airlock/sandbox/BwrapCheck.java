package dev.airlock.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds bubblewrap and finds out, once per process, whether it can actually build a sandbox here: installed is
 * not enough when the kernel or a security module forbids unprivileged user namespaces.
 */
public final class BwrapCheck {

    static final String MISSING = "bubblewrap is not installed: install it with `apt-get install bubblewrap`"
            + " (Debian/Ubuntu) or `dnf install bubblewrap` (Fedora)";
    static final String NO_SETPRIV = "airlock runs as root and switches to each domain's own user with setpriv,"
            + " which is missing: install util-linux (`apt-get install util-linux` or `dnf install util-linux`)";
    static final String SYSCTLS = "bubblewrap needs unprivileged user namespaces; check"
            + " `sysctl kernel.unprivileged_userns_clone` (must be 1 where it exists),"
            + " `sysctl user.max_user_namespaces` (must be above 0) and, on Ubuntu 23.10 and later,"
            + " `sysctl kernel.apparmor_restrict_unprivileged_userns` (0, or an AppArmor profile that allows bwrap)";
    /** The host user the probe runs as when the launcher is root: any unprivileged one will do. */
    private static final HostUser.Switched PROBE_USER = new HostUser.Switched(65534, 65534);
    private static final long PROBE_SECONDS = 20;

    /** The verdict. */
    public sealed interface Result permits Ready, Missing, Broken {
        /** What to tell the user; for {@link Ready}, which bubblewrap is used. */
        String message();
    }

    /** Sandboxes work; start them with {@code launcher}. */
    public record Ready(Bwrap launcher) implements Result {
        @Override
        public String message() {
            return "bubblewrap at " + launcher.bwrap() + " can build sandboxes";
        }
    }

    /** A needed program is not on the {@code PATH}; the message says what to install. */
    public record Missing(String message) implements Result {
    }

    /** bubblewrap is there but could not build a sandbox; the message holds its error and what to check. */
    public record Broken(String message) implements Result {
    }

    private static volatile Result cached;

    private BwrapCheck() {
    }

    /** The verdict for this host, worked out on the first call (it starts one tiny sandbox) and then remembered. */
    public static Result check() {
        Result r = cached;
        if (r == null) {
            synchronized (BwrapCheck.class) {
                r = cached;
                if (r == null) {
                    r = probe(System.getenv("PATH"), Bwrap.launcherIsRoot());
                    cached = r;
                }
            }
        }
        return r;
    }

    /** Looks for the programs on {@code pathEnv} and starts the smallest sandbox, as {@code root} or not. */
    static Result probe(String pathEnv, boolean root) {
        Optional<Path> bwrap = onPath(pathEnv, "bwrap");
        if (bwrap.isEmpty()) {
            return new Missing(MISSING);
        }
        Optional<Path> setpriv = onPath(pathEnv, "setpriv");
        if (root && setpriv.isEmpty()) {
            return new Missing(NO_SETPRIV);
        }
        Bwrap launcher = new Bwrap(bwrap.get(), setpriv);
        List<String> argv = launcher.probeArgv(root ? PROBE_USER : new HostUser.Caller());
        try {
            Process p = Bwrap.cleanBuilder(argv).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            String output;
            try (InputStream in = p.getInputStream()) {
                output = new String(in.readNBytes(4096), StandardCharsets.UTF_8).strip();
            }
            if (!p.waitFor(PROBE_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Broken("bubblewrap at " + bwrap.get() + " did not finish a trivial sandbox in "
                        + PROBE_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                return new Broken("bubblewrap at " + bwrap.get() + " cannot build a sandbox ("
                        + (output.isEmpty() ? "exit status " + p.exitValue() : output) + "). " + SYSCTLS);
            }
            return new Ready(launcher);
        } catch (IOException e) {
            return new Broken("bubblewrap at " + bwrap.get() + " cannot be started: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Broken("interrupted while trying bubblewrap");
        }
    }

    static Optional<Path> onPath(String pathEnv, String program) {
        if (pathEnv == null) {
            return Optional.empty();
        }
        for (String dir : pathEnv.split(":")) {
            // An empty or relative entry would mean the working folder: never take a sandbox tool from there.
            if (dir.startsWith("/")) {
                Path p = Path.of(dir, program);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }
}
