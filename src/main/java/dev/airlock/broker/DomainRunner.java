package dev.airlock.broker;

import dev.airlock.display.Displays;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.Registry;
import dev.airlock.domain.ResourceLimits;
import dev.airlock.limits.CgroupProbe;
import dev.airlock.limits.DomainCgroups;
import dev.airlock.log.Log;
import dev.airlock.qrexec.QrexecNames;
import dev.airlock.sandbox.AotCache;
import dev.airlock.sandbox.Bwrap;
import dev.airlock.sandbox.DomainDisplay;
import dev.airlock.sandbox.SandboxSpec;
import dev.airlock.sys.Trees;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts and stops domains: each one a bubblewrap sandbox running {@code airlock agent}, with its own socket to the
 * broker. A domain counts as running once its agent's control channel is up.
 *
 * <p>Each domain runs within its limits ({@link ResourceLimits}): in cgroups of its own ({@link DomainCgroups}),
 * which its sandbox joins before it runs anything and which go when it stops, with rlimits and bounded tmpfs.
 *
 * <p>Domains outlive a broker that dies: each runs in a session of its own and its pid is kept in
 * {@code run/domains/NAME/pid}, so that the next broker adopts it once its agent reconnects.
 *
 * <p>This class keeps the table of running sandboxes and the order of a domain's life (launch, ready, adopt, stop,
 * its display and {@link Lifecycle} told along the way); {@link SandboxLaunch} prepares and starts a sandbox,
 * {@link SandboxAdoption} picks the sandboxes an earlier broker left that may be adopted, and {@link RunningSandbox}
 * holds one sandbox and its agent's channel.
 */
final class DomainRunner implements CallRouter.Agents, CallDecider.Targets, AutoCloseable {
    private static final System.Logger LOG = Log.of("airlock");
    private static final long READY_SECONDS = 30;
    /** How long an adopted domain's agent has to reconnect; it retries at least every 2 s. */
    private static final long ADOPT_SECONDS = 10;

    private final AirlockHome home;
    private final Registry registry;
    private final AgentListener.Server serve;
    private final Map<String, RunningSandbox> running = new ConcurrentHashMap<>();
    private final DomainCgroups cgroups;
    private final Displays displays;
    private final SandboxLaunch launch;
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
        this.home = home;
        this.registry = registry;
        this.serve = serve;
        this.cgroups = new DomainCgroups(CgroupProbe.current(), home.root());
        this.displays = new Displays(home.run());
        this.launch = new SandboxLaunch(home, registry, installDir, jdkHome, cgroups, disposableHomeBytes);
    }

    /** The host side of the domains' displays. */
    Displays displays() {
        return displays;
    }

    void lifecycle(Lifecycle l) {
        this.lifecycle = l;
    }

    /** True when {@code name}'s agent is connected and its sandbox was started for the domain {@code uuid}. */
    @Override
    public boolean isReady(String name, UUID uuid) {
        RunningSandbox r = running.get(name);
        return r != null && r.uuid().equals(uuid) && r.isReady();
    }

    /** True when the sandbox listed under {@code name} was started for the domain {@code uuid}. */
    boolean startedFor(String name, UUID uuid) {
        RunningSandbox r = running.get(name);
        return r != null && r.uuid().equals(uuid);
    }

    /** True when {@code name}'s agent is connected. */
    boolean isReady(String name) {
        RunningSandbox r = running.get(name);
        return r != null && r.isReady();
    }

    /**
     * Makes the class cache of the domains' JVMs unless a current one exists ({@link AotCache}); run by the broker
     * in the background at start. Without bubblewrap there is nothing to make it for.
     */
    void refreshAotCache() throws IOException {
        launch.refreshAotCache();
    }

    /**
     * Starts {@code name} unless it runs, and waits until its agent is connected. Only the launch is serialised:
     * several domains start at once, and a second start of the same domain waits for the first.
     */
    @Override
    public void start(String name) throws IOException {
        RunningSandbox r;
        synchronized (this) {
            Domain domain = domain(name);
            r = running.get(name);
            if (r != null && r.process().isAlive() && !r.uuid().equals(domain.uuid())) {
                // The registry entry was replaced under this broker: the sandbox is a removed domain's.
                LOG.log(Level.WARNING, "stopped the sandbox of domain " + name + " (pid " + r.process().pid()
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
        RunningSandbox r = running.get(name);
        return r == null ? CompletableFuture.completedFuture(null) : r.process().onExit().thenRun(() -> { });
    }

    private RunningSandbox launch(Domain domain) throws IOException {
        String name = domain.name();
        if (closed) {
            throw new IOException("cannot start domain " + name + ": the broker is stopping");
        }
        Bwrap bwrap = launch.launcher(name);
        SandboxLaunch.Layout layout = launch.prepare(domain);
        List<String> joinCgroups;
        try {
            joinCgroups = cgroups.prepare(name, domain.limits());
        } catch (IOException e) {
            throw new IOException("cannot start domain " + name + ": cannot set up its cgroups: " + e.getMessage());
        }
        Optional<DomainDisplay> display;
        try {
            display = displays.prepare(name, guiSetting(domain), layout.sockets(), layout.owner());
        } catch (IOException e) {
            LOG.log(Level.WARNING, "domain " + name + " starts without windows: " + e.getMessage());
            display = Optional.empty();
        }
        AgentListener listener;
        try {
            listener = AgentListener.inChannel(name, layout.channel(), serve);
        } catch (IOException | RuntimeException e) {
            releaseCgroups(name);
            throw new IOException("cannot start domain " + name + ": " + e.getMessage());
        }
        ProcessHandle p;
        // Writing the domain's tools and identity can fail too: nothing of the start may outlive a failure.
        try {
            SandboxSpec spec = launch.spec(name, layout, display);
            p = launch.start(bwrap, spec, layout, joinCgroups, domain.uuid());
        } catch (IOException | RuntimeException e) {
            listener.close();
            releaseCgroups(name);
            throw new IOException("cannot start domain " + name + ": " + e.getMessage());
        }
        RunningSandbox r = new RunningSandbox(p, domain.uuid(), listener, layout.console());
        running.put(name, r);
        p.onExit().thenRun(() -> stopped(name, r));
        if (display.isPresent()) {
            displays.started(name, domain.label(), p, layout.sockets(), layout.owner());
        }
        try {
            lifecycle.started(name, layout.channel());
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

    private void awaitReady(String name, RunningSandbox r) throws IOException {
        try {
            r.ready().get(READY_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            boolean exited = !r.process().isAlive();
            stop(name, r);
            throw new IOException("domain " + name + (exited ? " exited while starting"
                    : " did not start within " + READY_SECONDS + " s")
                    + "; its output: " + r.consoleTail());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(name, r);
            throw new IOException("interrupted while starting domain " + name);
        }
    }

    /** A newly connected agent of {@code name}: it replaces the old control channel, if any. */
    @Override
    public AgentLink agentReady(String name, UnixSocket ch) throws IOException {
        RunningSandbox r = running.get(name);
        if (r == null) {
            throw new IOException("domain " + name + " is not started by this broker");
        }
        return r.connected(ch);
    }

    /** The control channel of {@code name} closed; the domain may reconnect. */
    @Override
    public void agentGone(String name, AgentLink link) {
        RunningSandbox r = running.get(name);
        if (r != null) {
            r.disconnected(link);
        }
        link.close();
    }

    /** The control channel of a running domain. */
    @Override
    public AgentLink link(String name) throws IOException {
        RunningSandbox r = running.get(name);
        AgentLink link = r == null ? null : r.link();
        if (link == null || !link.isOpen()) {
            throw new IOException("domain " + name + " is not running");
        }
        return link;
    }

    /** Stops {@code name}'s sandbox and everything in it. */
    void shutdown(String name) throws IOException {
        RunningSandbox r = running.get(name);
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
        RunningSandbox r;
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

    private void stop(String name, RunningSandbox r) {
        SandboxPidFile.kill(r.process());
        // Not through stopped(): the caller must find the socket gone when this returns.
        running.remove(name, r);
        forget(name, r);
    }

    /** The sandbox exited; unless this broker let go of it, its socket and pid file go. */
    private void stopped(String name, RunningSandbox r) {
        if (running.remove(name, r)) {
            forget(name, r);
        }
    }

    private void forget(String name, RunningSandbox r) {
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
            LOG.log(Level.WARNING, e.getMessage());
        }
    }

    private void drop(String name, RunningSandbox r) {
        displays.stopped(name);
        lifecycle.stopped(name);
        r.release(name);
    }

    /**
     * Adopts the domains a previous broker left running that {@link SandboxAdoption} allows: each gets its socket
     * again and counts as running once its agent reconnects, or is stopped after {@value #ADOPT_SECONDS} s.
     */
    void adopt() throws IOException {
        SandboxAdoption.scan(home, registry, (name, folder, sandbox, uuid) -> {
            AgentListener listener = AgentListener.inChannel(name, folder.resolve("channel"), serve);
            RunningSandbox r = new RunningSandbox(sandbox, uuid, listener, folder.resolve("console.log"));
            running.put(name, r);
            r.process().onExit().thenRun(() -> stopped(name, r));
            Optional<Domain> adopted = registry.read(d -> d.get(name));
            if (adopted.isPresent()) {
                displays.started(name, adopted.get().label(), r.process(), folder.toAbsolutePath().normalize(),
                        DomainUsers.brokerIsRoot() ? OptionalInt.of((Integer) Files.getAttribute(
                                folder.resolve("channel"), "unix:gid", LinkOption.NOFOLLOW_LINKS))
                                : OptionalInt.empty());
            }
            lifecycle.started(name, folder.resolve("channel"));
            r.ready().orTimeout(ADOPT_SECONDS, TimeUnit.SECONDS).whenComplete((ok, e) -> {
                if (e instanceof TimeoutException) {
                    stop(name, r);
                }
            });
        });
    }

    /** Whether a sandbox of {@code name} runs: one this broker holds, or one a pid file names. */
    boolean hasSandbox(String name) throws IOException {
        RunningSandbox r = running.get(name);
        return r != null && r.process().isAlive() || SandboxPidFile.live(home, name).isPresent();
    }

    /**
     * Lets go of every domain without stopping it, as a broker that dies does: their agents lose the control
     * channel and reconnect to the next broker, which adopts them.
     */
    void leaveRunning() {
        for (String name : names()) {
            RunningSandbox r = running.remove(name);
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
            RunningSandbox r = running.get(name);
            if (r != null) {
                stop(name, r);
            }
        }
        cgroups.close();
    }
}
