package dev.airlock.broker;

import dev.airlock.display.Displays;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.Registry;
import dev.airlock.domain.ResourceLimits;
import dev.airlock.limits.CgroupProbe;
import dev.airlock.limits.DomainCgroups;
import dev.airlock.qrexec.QrexecNames;
import dev.airlock.sandbox.AotCache;
import dev.airlock.sandbox.Bwrap;
import dev.airlock.sandbox.BwrapCheck;
import dev.airlock.sandbox.DomainDisplay;
import dev.airlock.sandbox.DomainIdentity;
import dev.airlock.sandbox.HomeMount;
import dev.airlock.sandbox.HostUser;
import dev.airlock.sandbox.DomainTools;
import dev.airlock.sandbox.SandboxLimits;
import dev.airlock.sandbox.SandboxSpec;
import dev.airlock.sys.Trees;
import dev.airlock.sys.UnixSocket;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Starts and stops domains: each one a bubblewrap sandbox running {@code airlock agent}, with its own socket to the
 * broker. A domain counts as running once its agent's control channel is up.
 *
 * <p>Each domain runs within its limits ({@link ResourceLimits}): in cgroups of its own ({@link DomainCgroups}),
 * which its sandbox joins before it runs anything and which go when it stops, with rlimits and bounded tmpfs.
 *
 * <p>Domains outlive a broker that dies: each runs in a session of its own and its pid is kept in
 * {@code run/domains/NAME/pid}, so that the next broker adopts it once its agent reconnects.
 */
final class DomainRunner implements AutoCloseable {
    /**
     * The first host uid and gid of domains when the broker runs as root: each domain gets its own from here on,
     * never root itself (see {@link HostUser}), and no account of a person.
     */
    static final int FIRST_DOMAIN_ID = 61000;
    private static final long READY_SECONDS = 30;
    /** How long an adopted domain's agent has to reconnect; it retries at least every 2 s. */
    private static final long ADOPT_SECONDS = 10;
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    /**
     * One started sandbox: bubblewrap's process, the parent of the sandbox's PID namespace, and the uuid of the
     * domain it was started for.
     */
    private record Running(ProcessHandle process, UUID uuid, AgentListener listener, Path console,
                           CompletableFuture<Void> ready, AtomicReference<AgentLink> link) {
    }

    private final AirlockHome home;
    private final Registry registry;
    private final Path installDir;
    private final Path jdkHome;
    private final AgentListener.Server serve;
    private final long disposableHomeBytes;
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final DomainCgroups cgroups;
    private final Displays displays;
    /** Set once by {@link #close}; read and set under {@code this}, as launches are. */
    private boolean closed;
    private volatile Lifecycle lifecycle = Lifecycle.NONE;

    /** Told when a domain's sandbox is started or adopted (with its channel folder) and when it is gone. */
    interface Lifecycle {
        Lifecycle NONE = new Lifecycle() {
            @Override
            public void started(String name, Path channel) {
            }

            @Override
            public void stopped(String name) {
            }
        };

        void started(String name, Path channel) throws IOException;

        void stopped(String name);
    }

    /**
     * @param disposableHomeBytes the most bytes a disposable may write in its home (its throwaway layer); it may
     *                            make one file or folder per 4 KiB of it, and at least 1024
     */
    DomainRunner(AirlockHome home, Registry registry, Path installDir, Path jdkHome,
                 AgentListener.Server serve, long disposableHomeBytes) {
        this.disposableHomeBytes = disposableHomeBytes;
        this.home = home;
        this.registry = registry;
        this.installDir = installDir;
        this.jdkHome = jdkHome;
        this.serve = serve;
        this.cgroups = new DomainCgroups(CgroupProbe.current(), home.root());
        this.displays = new Displays(home.run());
    }

    /** The host side of the domains' displays. */
    Displays displays() {
        return displays;
    }

    void lifecycle(Lifecycle l) {
        this.lifecycle = l;
    }

    /** True when {@code name}'s agent is connected and its sandbox was started for the domain {@code uuid}. */
    boolean isReady(String name, UUID uuid) {
        Running r = running.get(name);
        return r != null && r.uuid().equals(uuid) && r.link().get() != null && r.process().isAlive();
    }

    /** True when the sandbox listed under {@code name} was started for the domain {@code uuid}. */
    boolean startedFor(String name, UUID uuid) {
        Running r = running.get(name);
        return r != null && r.uuid().equals(uuid);
    }

    /** True when {@code name}'s agent is connected. */
    boolean isReady(String name) {
        Running r = running.get(name);
        return r != null && r.link().get() != null && r.process().isAlive();
    }

    /**
     * Makes the class cache of the domains' JVMs unless a current one exists ({@link AotCache}); run by the broker
     * in the background at start. Without bubblewrap there is nothing to make it for.
     */
    void refreshAotCache() throws IOException {
        if (BwrapCheck.check() instanceof BwrapCheck.Ready ready) {
            if (isRoot()) {
                // The training runs as a user of its own, who must pass through to its scratch home, as a domain's
                // user must to its home; before the first domain starts, nothing has opened the way yet. Its scratch
                // is beside run/, which stays private until a domain needs it.
                Files.setPosixFilePermissions(home.root(), PosixFilePermissions.fromString("rwx--x--x"));
            }
            AotCache.refresh(ready.launcher(), installDir, jdkHome,
                    Files.createTempDirectory(home.root(), "aot-training"));
        }
    }

    /**
     * Starts {@code name} unless it runs, and waits until its agent is connected. Only the launch is serialised:
     * several domains start at once, and a second start of the same domain waits for the first.
     */
    void start(String name) throws IOException {
        Running r;
        synchronized (this) {
            Domain domain = domain(name);
            r = running.get(name);
            if (r != null && r.process().isAlive() && !r.uuid().equals(domain.uuid())) {
                // The registry entry was replaced under this broker: the sandbox is a removed domain's.
                System.err.println("airlock: stopped the sandbox of domain " + name + " (pid " + r.process().pid()
                        + "): it was started for a domain of that name that has been removed since");
                stop(name, r);
                r = null;
            }
            if (r == null || !r.process().isAlive()) {
                r = launch(domain);
            }
        }
        awaitReady(name, r);
    }

    private Domain domain(String name) throws IOException {
        QrexecNames.requireDomainName(name);
        return registry.read(d -> d.get(name)).orElseThrow(() -> new IOException("no such domain: " + name
                + " (create it with: airlock create " + name + ")"));
    }

    /** Completes when the sandbox of {@code name} that runs now exits (at once when none runs). */
    CompletableFuture<Void> onExit(String name) {
        Running r = running.get(name);
        return r == null ? CompletableFuture.completedFuture(null) : r.process().onExit().thenRun(() -> { });
    }

    private Running launch(Domain domain) throws IOException {
        String name = domain.name();
        if (closed) {
            throw new IOException("cannot start domain " + name + ": the broker is stopping");
        }
        Bwrap bwrap = switch (BwrapCheck.check()) {
            case BwrapCheck.Ready ready -> ready.launcher();
            case BwrapCheck.Result other -> throw new IOException("cannot start domain " + name + ": "
                    + other.message());
        };
        if (!Files.isRegularFile(installDir.resolve("airlock.jar"))) {
            throw new IOException("cannot start domain " + name + ": no airlock.jar in " + installDir
                    + " (build it with: ./mvnw package)");
        }
        boolean disposable = domain.domainClass() == DomainClass.DISP_VM;
        // A disposable has no folder of its own: it sees its template's home (under a throwaway layer) and services.
        Path folder = registry.domainFolder(disposable ? domain.template() : name);
        Path domainHome = folder.resolve("home");
        Path services = folder.resolve("qubes-rpc");
        Path sockets = home.run().resolve("domains").resolve(name).toAbsolutePath().normalize();
        Files.createDirectories(domainHome);
        Files.createDirectories(services);
        Files.createDirectories(sockets);
        boolean root = isRoot();
        int id = root ? openForDomainUser(folder, domainHome, sockets) : -1;
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
        Path console = sockets.resolve("console.log");
        Path channel = sockets.resolve("channel");
        ResourceLimits limits = domain.limits();
        // RLIMIT_NPROC counts per host uid: a domain's own only as root (shared with the disposables of its
        // home), otherwise the user's every process, so not set then. Where the cgroup counts exactly, the rlimit is
        // only a backstop at twice the limit.
        int nproc = !root ? 0 : cgroups.limitsProcesses() ? 2 * limits.maxprocs() : limits.maxprocs();
        SandboxLimits sandboxLimits = new SandboxLimits(SandboxLimits.tmpfsBytesFor(limits.maxmemBytes()), nproc,
                limits.nofile());
        List<String> joinCgroups;
        try {
            joinCgroups = cgroups.prepare(name, limits);
        } catch (IOException e) {
            throw new IOException("cannot start domain " + name + ": cannot set up its cgroups: " + e.getMessage());
        }
        OptionalInt owner = root ? OptionalInt.of(id) : OptionalInt.empty();
        Optional<DomainDisplay> display;
        try {
            display = displays.prepare(name, guiSetting(domain), sockets, owner);
        } catch (IOException e) {
            System.err.println("airlock: domain " + name + " starts without windows: " + e.getMessage());
            display = Optional.empty();
        }
        AgentListener listener = listen(name, channel);
        SandboxSpec spec = new SandboxSpec(name, homeMount, channel, installDir, jdkHome,
                List.of(), Optional.of(services), Optional.of(DomainTools.write(home.run().resolve("bin"))),
                sandboxLimits, Optional.of(DomainIdentity.write(home.run().resolve("identity"))), display);
        List<String> agent = new ArrayList<>(List.of(jdkHome.resolve("bin/java").toString()));
        agent.addAll(DomainTools.JVM_OPTIONS);
        AotCache.option(installDir).ifPresent(agent::add);
        agent.addAll(List.of("-jar", Bwrap.INSTALL + "/airlock.jar", "agent"));
        ProcessHandle p;
        try {
            ProcessBuilder pb = bwrap.processBuilder(spec, HostUser.forHome(domainHome), agent)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(console.toFile());
            // Into its cgroups before anything of it runs, then its rlimits; a session of its own: a Ctrl-C or
            // hang-up meant for the broker must not reach the domain.
            pb.command().addAll(0, sandboxLimits.prlimit());
            pb.command().addAll(0, joinCgroups);
            pb.command().addFirst(SETSID.toString());
            p = pb.start().toHandle();
            SandboxPidFile.write(sockets, p.pid(), domain.uuid());
        } catch (IOException | RuntimeException e) {
            listener.close();
            releaseCgroups(name);
            throw new IOException("cannot start domain " + name + ": " + e.getMessage());
        }
        Running r = new Running(p, domain.uuid(), listener, console, new CompletableFuture<>(),
                new AtomicReference<>());
        running.put(name, r);
        p.onExit().thenRun(() -> stopped(name, r));
        if (display.isPresent()) {
            displays.started(name, domain.label(), p, sockets, owner);
        }
        try {
            lifecycle.started(name, channel);
        } catch (IOException e) {
            stop(name, r);
            throw new IOException("cannot start domain " + name + ": " + e.getMessage());
        }
        return r;
    }

    /** The domain's {@code gui} setting, or for a disposable that sets none, its template's. */
    private Boolean guiSetting(Domain domain) throws IOException {
        if (domain.gui() != null || domain.domainClass() != DomainClass.DISP_VM) {
            return domain.gui();
        }
        return registry.read(d -> d.get(domain.template())).map(Domain::gui).orElse(null);
    }

    private void awaitReady(String name, Running r) throws IOException {
        try {
            r.ready().get(READY_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            boolean exited = !r.process().isAlive();
            stop(name, r);
            throw new IOException("domain " + name + (exited ? " exited while starting"
                    : " did not start within " + READY_SECONDS + " s")
                    + "; its output: " + tail(r.console()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(name, r);
            throw new IOException("interrupted while starting domain " + name);
        }
    }

    /** A newly connected agent of {@code name}: it replaces the old control channel, if any. */
    AgentLink agentReady(String name, UnixSocket ch) throws IOException {
        Running r = running.get(name);
        if (r == null) {
            throw new IOException("domain " + name + " is not started by this broker");
        }
        AgentLink link = new AgentLink(ch);
        AgentLink old = r.link().getAndSet(link);
        if (old != null) {
            old.close();
        }
        r.ready().complete(null);
        return link;
    }

    /** The control channel of {@code name} closed; the domain may reconnect. */
    void agentGone(String name, AgentLink link) {
        Running r = running.get(name);
        if (r != null) {
            r.link().compareAndSet(link, null);
        }
        link.close();
    }

    /** The control channel of a running domain. */
    AgentLink link(String name) throws IOException {
        Running r = running.get(name);
        AgentLink link = r == null ? null : r.link().get();
        if (link == null || !link.isOpen()) {
            throw new IOException("domain " + name + " is not running");
        }
        return link;
    }

    /** Stops {@code name}'s sandbox and everything in it. */
    void shutdown(String name) throws IOException {
        Running r = running.get(name);
        if (r == null) {
            throw new IOException("domain " + name + " is not running");
        }
        stop(name, r);
    }

    /**
     * Stops {@code name} whether this broker or an earlier one started it, and deletes its folder in {@code run/}
     * (socket, pid file, console log, a disposable's stage): what a disposable leaves when it is destroyed.
     */
    void discard(String name) throws IOException {
        QrexecNames.requireDomainName(name);
        Running r;
        synchronized (this) {
            // A launch in progress holds the lock until its sandbox is listed: this sees it and stops it.
            r = running.get(name);
        }
        if (r != null) {
            stop(name, r);
        }
        Path folder = home.run().resolve("domains").resolve(name);
        Optional<ProcessHandle> left = SandboxPidFile.live(home, name);
        if (left.isPresent() && !SandboxPidFile.kill(left.get())) {
            throw new IOException("cannot stop the sandbox of domain " + name + " (pid " + left.get().pid() + ")");
        }
        releaseCgroups(name);
        if (Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            Trees.deleteForcibly(folder);
        }
    }

    private void stop(String name, Running r) {
        SandboxPidFile.kill(r.process());
        // Not through stopped(): the caller must find the socket gone when this returns.
        running.remove(name, r);
        forget(name, r);
    }

    /** The sandbox exited; unless this broker let go of it, its socket and pid file go. */
    private void stopped(String name, Running r) {
        if (running.remove(name, r)) {
            forget(name, r);
        }
    }

    private void forget(String name, Running r) {
        try {
            Files.deleteIfExists(SandboxPidFile.in(home.run().resolve("domains").resolve(name)));
        } catch (IOException e) {
            // A pid file left behind is checked against the process before anything is adopted.
        }
        drop(name, r);
        releaseCgroups(name);
    }

    /**
     * Removes the cgroups of a domain that stopped, with anything left in them; under the launch lock, and not
     * once a new sandbox of that name is listed, whose cgroups they are by then.
     */
    private synchronized void releaseCgroups(String name) {
        if (running.containsKey(name)) {
            return;
        }
        try {
            cgroups.remove(name);
        } catch (IOException e) {
            // Emptied and removed at the next start of this domain, or when the broker closes.
            System.err.println("airlock: " + e.getMessage());
        }
    }

    private void drop(String name, Running r) {
        displays.stopped(name);
        lifecycle.stopped(name);
        AgentLink link = r.link().getAndSet(null);
        if (link != null) {
            link.close();
        }
        r.ready().completeExceptionally(new IOException("domain " + name + " stopped"));
        try {
            r.listener().close();
        } catch (IOException e) {
            // The socket file is replaced at the next start.
        }
    }

    /**
     * Adopts the domains a previous broker left running: each one whose pid file names a live bubblewrap of that
     * domain, started for the domain of that name the registry holds now (same uuid), gets its socket again and
     * counts as running once its agent reconnects, or is stopped after {@value #ADOPT_SECONDS} s. A sandbox of a
     * domain that was removed meanwhile (or recorded without a uuid) is killed, never adopted, so that it cannot
     * pass for a new domain of the same name. Pid files of processes that are gone are removed.
     */
    void adopt() throws IOException {
        Path all = home.run().resolve("domains");
        if (!Files.isDirectory(all)) {
            return;
        }
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(all)) {
            for (Path folder : folders) {
                Path pidFile = SandboxPidFile.in(folder);
                String name = folder.getFileName().toString();
                if (!Files.isRegularFile(pidFile, LinkOption.NOFOLLOW_LINKS) || !QrexecNames.isDomainName(name)) {
                    continue;
                }
                Optional<SandboxPidFile.Content> content = SandboxPidFile.read(pidFile);
                Optional<ProcessHandle> sandbox = content.flatMap(c -> SandboxPidFile.sandboxOf(name, c));
                if (sandbox.isEmpty()) {
                    Files.delete(pidFile);
                    continue;
                }
                Optional<UUID> current = registry.read(d -> d.get(name)).map(Domain::uuid);
                Optional<UUID> recorded = content.get().uuid();
                if (current.isEmpty() || !current.equals(recorded)) {
                    boolean gone = SandboxPidFile.kill(sandbox.get());
                    System.err.println("airlock: " + (gone ? "killed" : "could not kill") + " the sandbox of domain "
                            + name + " (pid " + sandbox.get().pid() + ") left by an earlier broker: it was started "
                            + (recorded.isEmpty() ? "without a domain uuid"
                            : "for domain uuid " + recorded.get() + ", and the registry "
                            + current.map(u -> "now has " + u).orElse("has no such domain any more"))
                            + "; not adopted");
                    if (gone) {
                        Files.deleteIfExists(pidFile);
                    }
                    continue;
                }
                Running r = new Running(sandbox.get(), recorded.get(), listen(name, folder.resolve("channel")),
                        folder.resolve("console.log"), new CompletableFuture<>(), new AtomicReference<>());
                running.put(name, r);
                r.process().onExit().thenRun(() -> stopped(name, r));
                Optional<Domain> adopted = registry.read(d -> d.get(name));
                if (adopted.isPresent()) {
                    displays.started(name, adopted.get().label(), r.process(), folder.toAbsolutePath().normalize(),
                            isRoot() ? OptionalInt.of((Integer) Files.getAttribute(folder.resolve("channel"),
                                    "unix:gid", LinkOption.NOFOLLOW_LINKS)) : OptionalInt.empty());
                }
                lifecycle.started(name, folder.resolve("channel"));
                r.ready().orTimeout(ADOPT_SECONDS, TimeUnit.SECONDS).whenComplete((ok, e) -> {
                    if (e instanceof TimeoutException) {
                        stop(name, r);
                    }
                });
            }
        }
    }

    /** Whether a sandbox of {@code name} runs: one this broker holds, or one a pid file names. */
    boolean hasSandbox(String name) throws IOException {
        Running r = running.get(name);
        return r != null && r.process().isAlive() || SandboxPidFile.live(home, name).isPresent();
    }

    /**
     * Binds {@code channel/agent.sock}; as root, the folder's group (the domain's own, see
     * {@link #openForDomainUser}) may connect to it, and nobody else.
     */
    private AgentListener listen(String name, Path channel) throws IOException {
        Files.createDirectories(channel);
        Path socket = channel.resolve("agent.sock");
        AgentListener listener = AgentListener.start(name, socket, serve);
        if (isRoot()) {
            Files.setAttribute(socket, "unix:gid", Files.getAttribute(channel, "unix:gid", LinkOption.NOFOLLOW_LINKS));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        }
        return listener;
    }

    /**
     * Lets go of every domain without stopping it, as a broker that dies does: their agents lose the control
     * channel and reconnect to the next broker, which adopts them.
     */
    void leaveRunning() {
        for (String name : names()) {
            Running r = running.remove(name);
            if (r != null) {
                drop(name, r);
            }
        }
    }

    /** Names of the running domains. */
    List<String> names() {
        return running.keySet().stream().sorted().toList();
    }

    /** Stops every domain; a start in progress finishes its launch first, and no start launches anything after. */
    @Override
    public void close() {
        List<String> names;
        synchronized (this) {
            closed = true;
            names = names();
        }
        for (String name : names) {
            Running r = running.get(name);
            if (r != null) {
                stop(name, r);
            }
        }
        cgroups.close();
    }

    /**
     * As root, a domain runs as the owner of its home, a host user of its own given to the home at its first start:
     * it must pass through airlock's folders to its home and socket (search permission only, no listing), and
     * read the installation and the JDK. Returns that user's id, which is also its group's.
     */
    private int openForDomainUser(Path folder, Path domainHome, Path sockets) throws IOException {
        for (Path p = home.root().toRealPath().getParent(); p != null; p = p.getParent()) {
            if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IOException("domains run as their own host users, which cannot pass through " + p
                        + " to reach " + home.root() + ": set AIRLOCK_HOME to a folder outside it (for example "
                        + Registry.ROOT_HOME + ") or allow passing through it (chmod o+x " + p + ")");
            }
        }
        for (Path p : List.of(home.root(), home.run(), home.run().resolve("domains"), folder.getParent(), folder)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
        }
        int id = (Integer) Files.getAttribute(domainHome, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (id == 0) {
            id = freeId(folder.getParent());
            Files.setAttribute(domainHome, "unix:uid", id, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(domainHome, "unix:gid", id, LinkOption.NOFOLLOW_LINKS);
        }
        for (Path p : List.of(sockets, sockets.resolve("channel"))) {
            Files.createDirectories(p);
            Files.setAttribute(p, "unix:gid", id, LinkOption.NOFOLLOW_LINKS);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x---"));
        }
        Path jar = installDir.resolve("airlock.jar");
        if (!worldReadable(jar) || !worldReadable(jdkHome.resolve("bin/java"))) {
            throw new IOException("domains run as their own host users (uid " + id + " here), which cannot read "
                    + jar + " or " + jdkHome + ": make them and every folder above them world-readable (chmod o+rx)");
        }
        return id;
    }

    /** The lowest id from {@link #FIRST_DOMAIN_ID} that owns no domain's home. */
    private static int freeId(Path domains) throws IOException {
        Set<Integer> used = new HashSet<>();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(domains)) {
            for (Path d : all) {
                Path h = d.resolve("home");
                if (Files.isDirectory(h, LinkOption.NOFOLLOW_LINKS)) {
                    used.add((Integer) Files.getAttribute(h, "unix:uid", LinkOption.NOFOLLOW_LINKS));
                }
            }
        }
        int id = FIRST_DOMAIN_ID;
        while (used.contains(id)) {
            id++;
        }
        return id;
    }

    private static boolean worldReadable(Path file) throws IOException {
        Path real = file.toRealPath();
        if (!Files.getPosixFilePermissions(real).contains(PosixFilePermission.OTHERS_READ)) {
            return false;
        }
        for (Path p = real.getParent(); p != null; p = p.getParent()) {
            if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isRoot() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
    }

    private static String tail(Path console) {
        try {
            List<String> lines = Files.readAllLines(console);
            String s = String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
            return s.isBlank() ? "(none)" : s;
        } catch (IOException e) {
            return "(none)";
        }
    }
}
