package dev.airlock.sandbox;

import dev.airlock.qrexec.QrexecNames;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the launcher needs to build one domain's sandbox. All host paths are absolute and normalised; the
 * domain name is checked here so that nothing odd ever reaches bubblewrap's command line or the hostname.
 *
 * @param name          the domain's name: 1 to 31 characters of {@code [A-Za-z0-9_.-]}, starting with a letter
 *                      (the registry's and policy's syntax); becomes the hostname and {@code AIRLOCK_DOMAIN}
 * @param home          what appears at {@code /home/user}
 * @param channel       the host folder holding only {@code agent.sock}, the Unix socket on which the broker
 *                      listens for this domain alone; seen read-only as {@value Bwrap#CHANNEL}
 * @param installDir    the folder holding {@code airlock.jar}, {@code lib/} and the class cache, which alone of
 *                      it are seen, read-only, in {@code /opt/airlock}
 * @param jdkHome       the JDK the agent runs on; visible read-only at its host path (already so under {@code /usr})
 * @param extraReadOnly further host folders or files made visible read-only at their host paths; the caller
 *                      keeps them clear of {@code $AIRLOCK_HOME}, whose other homes and sockets they would show
 * @param services      the domain's own service folder, kept by the host, seen read-only at
 *                      {@value Bwrap#SERVICES}; empty for none
 * @param tools         the folder of the in-domain commands ({@code qvm-copy}...), see {@link DomainTools}; seen
 *                      read-only at {@value Bwrap#TOOLS}, which is on the domain's {@code PATH}; empty for none
 * @param limits        its tmpfs sizes and rlimits
 * @param identity      the folder of the domain's {@code passwd} and {@code group} ({@link DomainIdentity}), bound
 *                      read-only over the host's; empty to leave the host's
 * @param display       the domain's own display, or empty for none
 */
public record SandboxSpec(String name, HomeMount home, Path channel, Path installDir, Path jdkHome,
                          List<Path> extraReadOnly, Optional<Path> services, Optional<Path> tools,
                          SandboxLimits limits, Optional<Path> identity, Optional<DomainDisplay> display) {

    public SandboxSpec {
        if (!isDomainName(name)) {
            throw new IllegalArgumentException("not a valid domain name: " + quoted(name));
        }
        Objects.requireNonNull(home, "home");
        requireAbsolute("channel folder", channel);
        requireAbsolute("installation folder", installDir);
        requireAbsolute("JDK home", jdkHome);
        extraReadOnly = List.copyOf(extraReadOnly);
        for (Path p : extraReadOnly) {
            requireAbsolute("extra read-only path", p);
            if (p.getNameCount() == 0) {
                // The whole host would show: other domains' homes, /root, the broker's sockets.
                throw new IllegalArgumentException("the host's root cannot be made visible to a domain");
            }
        }
        services.ifPresent(p -> requireAbsolute("service folder", p));
        tools.ifPresent(p -> requireAbsolute("tools folder", p));
        Objects.requireNonNull(limits, "limits");
        identity.ifPresent(p -> requireAbsolute("identity folder", p));
        Objects.requireNonNull(display, "display");
    }

    /** A sandbox with the host's user database and no display. */
    public SandboxSpec(String name, HomeMount home, Path channel, Path installDir, Path jdkHome,
                       List<Path> extraReadOnly, Optional<Path> services, Optional<Path> tools,
                       SandboxLimits limits) {
        this(name, home, channel, installDir, jdkHome, extraReadOnly, services, tools, limits, Optional.empty(),
                Optional.empty());
    }

    /** A sandbox with the {@link SandboxLimits#DEFAULT} limits. */
    public SandboxSpec(String name, HomeMount home, Path channel, Path installDir, Path jdkHome,
                       List<Path> extraReadOnly, Optional<Path> services, Optional<Path> tools) {
        this(name, home, channel, installDir, jdkHome, extraReadOnly, services, tools, SandboxLimits.DEFAULT);
    }

    /** A sandbox without a service folder or tools of its own. */
    public SandboxSpec(String name, HomeMount home, Path channel, Path installDir, Path jdkHome,
                       List<Path> extraReadOnly) {
        this(name, home, channel, installDir, jdkHome, extraReadOnly, Optional.empty(), Optional.empty());
    }

    /** A domain with its own home folder and no extra read-only paths. */
    public static SandboxSpec of(String name, Path home, Path channel, Path installDir, Path jdkHome) {
        return new SandboxSpec(name, new HomeMount.Bound(home), channel, installDir, jdkHome, List.of());
    }

    static boolean isDomainName(String s) {
        return s != null && QrexecNames.isDomainName(s);
    }

    static void requireAbsolute(String what, Path p) {
        Objects.requireNonNull(p, what);
        // A relative path would depend on the launcher's working folder; ".." could climb out of what was meant.
        if (!p.isAbsolute() || !p.normalize().equals(p)) {
            throw new IllegalArgumentException(what + " must be an absolute, normalised path: " + quoted(p.toString()));
        }
    }

    private static String quoted(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.append('"').toString();
    }
}
