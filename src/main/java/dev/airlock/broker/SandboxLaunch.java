package dev.airlock.broker;

import dev.airlock.contract.InDomain;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.Registry;
import dev.airlock.domain.ResourceLimits;
import dev.airlock.limits.DomainCgroups;
import dev.airlock.sandbox.AotCache;
import dev.airlock.sandbox.Bwrap;
import dev.airlock.sandbox.BwrapCheck;
import dev.airlock.sandbox.DomainDisplay;
import dev.airlock.sandbox.DomainIdentity;
import dev.airlock.sandbox.DomainTools;
import dev.airlock.sandbox.HomeMount;
import dev.airlock.sandbox.HostUser;
import dev.airlock.sandbox.SandboxLimits;
import dev.airlock.sandbox.SandboxSpec;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

/**
 * The launch of one domain's sandbox: lays out the folders it needs (its home, its services, its
 * {@code run/domains/NAME} folder, a disposable's throwaway stage), works out its rlimits, and starts bubblewrap
 * running {@code airlock agent} on it. It keeps no state of its own: which sandboxes run, and when a domain counts
 * as started, is {@link DomainRunner}'s.
 */
final class SandboxLaunch {
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final AirlockHome home;
    private final Registry registry;
    private final Path installDir;
    private final Path jdkHome;
    private final DomainCgroups cgroups;
    private final long disposableHomeBytes;

    /**
     * Where one launch's sandbox lives and what bounds it.
     *
     * @param sockets the domain's folder in {@code run/domains}
     * @param owner   the domain's own host user (and group), when the broker runs as root
     */
    record Layout(Path domainHome, Path services, Path sockets, HomeMount homeMount, OptionalInt owner,
                  SandboxLimits limits) {
        Path console() {
            return sockets.resolve("console.log");
        }

        Path channel() {
            return sockets.resolve("channel");
        }
    }

    /** {@code disposableHomeBytes} as for {@link DomainRunner}: the most a disposable may write in its home. */
    SandboxLaunch(AirlockHome home, Registry registry, Path installDir, Path jdkHome, DomainCgroups cgroups,
                  long disposableHomeBytes) {
        this.home = home;
        this.registry = registry;
        this.installDir = installDir;
        this.jdkHome = jdkHome;
        this.cgroups = cgroups;
        this.disposableHomeBytes = disposableHomeBytes;
    }

    /**
     * Makes the class cache of the domains' JVMs unless a current one exists ({@link AotCache}). Without bubblewrap
     * there is nothing to make it for.
     */
    void refreshAotCache() throws IOException {
        if (BwrapCheck.check() instanceof BwrapCheck.Ready ready) {
            if (DomainUsers.brokerIsRoot()) {
                // The training runs as a user of its own, who must pass through to its scratch home, as a domain's
                // user must to its home; before the first domain starts, nothing has opened the way yet. Its scratch
                // is beside run/, which stays private until a domain needs it.
                Files.setPosixFilePermissions(home.root(), PosixFilePermissions.fromString("rwx--x--x"));
            }
            AotCache.refresh(ready.launcher(), installDir, jdkHome,
                    Files.createTempDirectory(home.root(), "aot-training"));
        }
    }

    /** The launcher for {@code name}'s sandbox, when bubblewrap works here and airlock.jar is installed. */
    Bwrap launcher(String name) throws IOException {
        Bwrap bwrap = switch (BwrapCheck.check()) {
            case BwrapCheck.Ready ready -> ready.launcher();
            case BwrapCheck.Result other -> throw new IOException("cannot start domain " + name + ": "
                    + other.message());
        };
        if (!Files.isRegularFile(installDir.resolve("airlock.jar"))) {
            throw new IOException("cannot start domain " + name + ": no airlock.jar in " + installDir
                    + " (build it with: ./mvnw package)");
        }
        return bwrap;
    }

    /** Makes the folders of {@code domain}'s sandbox, and as root gives them to the domain's own user. */
    Layout prepare(Domain domain) throws IOException {
        String name = domain.name();
        boolean disposable = domain.domainClass() == DomainClass.DISP_VM;
        // A disposable has no folder of its own: it sees its template's home (under a throwaway layer) and services.
        Path folder = registry.domainFolder(disposable ? domain.template() : name);
        Path domainHome = folder.resolve("home");
        Path services = folder.resolve("qubes-rpc");
        Path sockets = home.run().resolve("domains").resolve(name).toAbsolutePath().normalize();
        Files.createDirectories(domainHome);
        Files.createDirectories(services);
        Files.createDirectories(sockets);
        boolean root = DomainUsers.brokerIsRoot();
        int id = root ? DomainUsers.open(home, installDir, jdkHome, folder, domainHome, sockets) : -1;
        HomeMount homeMount = new HomeMount.Bound(domainHome);
        if (disposable) {
            Path stage = sockets.resolve("stage");
            Files.createDirectories(stage);
            if (root) {
                Files.setAttribute(stage, "unix:uid", id, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(stage, "unix:gid", id, LinkOption.NOFOLLOW_LINKS);
            }
            Files.setPosixFilePermissions(stage, PosixFilePermissions.fromString("rwx------"));
            homeMount = new HomeMount.Layered(domainHome.toAbsolutePath().normalize(), stage, disposableHomeBytes,
                    Math.max(1024, disposableHomeBytes / 4096));
        }
        ResourceLimits limits = domain.limits();
        // RLIMIT_NPROC counts per host uid: a domain's own only as root (shared with the disposables of its
        // home), otherwise the user's every process, so not set then. Where the cgroup counts exactly, the rlimit is
        // only a backstop at twice the limit.
        int nproc = !root ? 0 : cgroups.limitsProcesses() ? 2 * limits.maxprocs() : limits.maxprocs();
        SandboxLimits sandboxLimits = new SandboxLimits(SandboxLimits.tmpfsBytesFor(limits.maxmemBytes()), nproc,
                limits.nofile());
        return new Layout(domainHome, services, sockets, homeMount,
                root ? OptionalInt.of(id) : OptionalInt.empty(), sandboxLimits);
    }

    /** What the sandbox of {@code name} holds: its home, services, tools, identity, channel, display. */
    SandboxSpec spec(String name, Layout layout, Optional<DomainDisplay> display) throws IOException {
        return new SandboxSpec(name, layout.homeMount(), layout.channel(), installDir, jdkHome,
                List.of(), Optional.of(layout.services()), Optional.of(DomainTools.write(home.run().resolve("bin"))),
                layout.limits(), Optional.of(DomainIdentity.write(home.run().resolve("identity"))), display);
    }

    /**
     * Starts the sandbox and records its pid for {@code uuid}; its output goes to the console log. It joins
     * {@code joinCgroups} before anything of it runs.
     */
    ProcessHandle start(Bwrap bwrap, SandboxSpec spec, Layout layout, List<String> joinCgroups, UUID uuid)
            throws IOException {
        List<String> agent = new ArrayList<>(List.of(jdkHome.resolve("bin/java").toString()));
        agent.addAll(DomainTools.JVM_OPTIONS);
        AotCache.option(installDir).ifPresent(agent::add);
        agent.addAll(List.of("-jar", InDomain.INSTALL + "/airlock.jar", "agent"));
        ProcessBuilder pb = bwrap.processBuilder(spec, HostUser.forHome(layout.domainHome()), agent)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(layout.console().toFile());
        // Into its cgroups before anything of it runs, then its rlimits; a session of its own: a Ctrl-C or
        // hang-up meant for the broker must not reach the domain.
        pb.command().addAll(0, layout.limits().prlimit());
        pb.command().addAll(0, joinCgroups);
        pb.command().addFirst(SETSID.toString());
        ProcessHandle p = pb.start().toHandle();
        SandboxPidFile.write(layout.sockets(), p.pid(), uuid);
        return p;
    }
}
