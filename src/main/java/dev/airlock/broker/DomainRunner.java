package dev.airlock.broker;

import dev.airlock.domain.Registry;
import dev.airlock.qrexec.QrexecNames;
import dev.airlock.sandbox.Bwrap;
import dev.airlock.sandbox.BwrapCheck;
import dev.airlock.sandbox.HomeMount;
import dev.airlock.sandbox.HostUser;
import dev.airlock.sandbox.DomainTools;
import dev.airlock.sandbox.SandboxSpec;

import java.io.File;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * Starts and stops domains: each one a bubblewrap sandbox running {@code airlock agent}, with its own socket to the
 * broker. A domain counts as running once its agent's control channel is up.
 */
final class DomainRunner implements AutoCloseable {
    /**
     * The first host uid and gid of domains when the broker runs as root: each domain gets its own from here on,
     * never root itself (see {@link HostUser}), and no account of a person.
     */
    static final int FIRST_DOMAIN_ID = 61000;
    private static final long READY_SECONDS = 30;
    private static final long STOP_SECONDS = 3;

    /** One started sandbox. */
    private record Running(Process process, AgentListener listener, Path console,
                           CompletableFuture<Void> ready, AtomicReference<AgentLink> link) {
    }

    private final AirlockHome home;
    private final Registry registry;
    private final Path installDir;
    private final Path jdkHome;
    private final BiConsumer<String, SocketChannel> serve;
    private final Map<String, Running> running = new ConcurrentHashMap<>();

    DomainRunner(AirlockHome home, Registry registry, Path installDir, Path jdkHome,
                 BiConsumer<String, SocketChannel> serve) {
        this.home = home;
        this.registry = registry;
        this.installDir = installDir;
        this.jdkHome = jdkHome;
        this.serve = serve;
    }

    /** True when {@code name}'s agent is connected. */
    boolean isReady(String name) {
        Running r = running.get(name);
        return r != null && r.link().get() != null && r.process().isAlive();
    }

    /** Starts {@code name} unless it runs, and waits until its agent is connected. */
    synchronized void start(String name) throws IOException {
        if (isReady(name)) {
            return;
        }
        QrexecNames.requireDomainName(name);
        if (registry.read(d -> d.get(name)).isEmpty()) {
            throw new IOException("no such domain: " + name + " (create it with: airlock create " + name + ")");
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
        Path folder = registry.domainFolder(name);
        Path domainHome = folder.resolve("home");
        Path services = folder.resolve("qubes-rpc");
        Path sockets = home.run().resolve("domains").resolve(name).toAbsolutePath().normalize();
        Files.createDirectories(domainHome);
        Files.createDirectories(services);
        Files.createDirectories(sockets);
        boolean root = isRoot();
        int id = root ? openForDomainUser(folder, domainHome, sockets) : -1;
        Path console = sockets.resolve("console.log");
        Path socket = sockets.resolve("agent.sock");
        AgentListener listener = AgentListener.start(name, socket, serve);
        if (root) {
            Files.setAttribute(socket, "unix:gid", id);
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        }
        SandboxSpec spec = new SandboxSpec(name, new HomeMount.Bound(domainHome), socket, installDir, jdkHome,
                List.of(), Optional.of(services), Optional.of(DomainTools.write(home.run().resolve("bin"))));
        List<String> agent = List.of(jdkHome.resolve("bin/java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-jar", Bwrap.INSTALL + "/airlock.jar",
                "agent");
        Process p;
        try {
            p = bwrap.processBuilder(spec, HostUser.forHome(domainHome), agent)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(console.toFile())
                    .start();
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw new IOException("cannot start domain " + name + ": " + e.getMessage());
        }
        Running r = new Running(p, listener, console, new CompletableFuture<>(), new AtomicReference<>());
        running.put(name, r);
        p.onExit().thenRun(() -> stopped(name, r));
        awaitReady(name, r);
    }

    private void awaitReady(String name, Running r) throws IOException {
        try {
            r.ready().get(READY_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            boolean exited = !r.process().isAlive();
            stop(name, r);
            throw new IOException("domain " + name + (exited ? " exited while starting (status "
                    + r.process().exitValue() + ")" : " did not start within " + READY_SECONDS + " s")
                    + "; its output: " + tail(r.console()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(name, r);
            throw new IOException("interrupted while starting domain " + name);
        }
    }

    /** A newly connected agent of {@code name}: it replaces the old control channel, if any. */
    AgentLink agentReady(String name, SocketChannel ch) throws IOException {
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

    private void stop(String name, Running r) {
        // bwrap is the sandbox's parent and its processes die with it (--die-with-parent, PID namespace).
        r.process().destroy();
        try {
            if (!r.process().waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
                r.process().destroyForcibly().waitFor(STOP_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopped(name, r);
    }

    private void stopped(String name, Running r) {
        running.remove(name, r);
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

    /** Names of the running domains. */
    List<String> names() {
        return running.keySet().stream().sorted().toList();
    }

    @Override
    public void close() {
        for (String name : names()) {
            Running r = running.get(name);
            if (r != null) {
                stop(name, r);
            }
        }
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
        Files.setAttribute(sockets, "unix:gid", id, LinkOption.NOFOLLOW_LINKS);
        Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwx--x---"));
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
