package dev.airlock.display;

import dev.airlock.log.Log;
import dev.airlock.domain.Label;
import dev.airlock.sandbox.DomainDisplay;
import dev.airlock.sys.Splice;
import dev.airlock.sys.Trees;
import dev.airlock.sys.UnixSocket;

import java.lang.System.Logger.Level;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The display engine on the host: which domains get a display of their own, and for each running one, the host
 * client that shows its windows on the person's desktop ({@link Desktop}). Per domain, the broker listens on a
 * socket only the desktop user can reach ({@code run/display-clients/NAME/xpra}), splices each connection there to
 * a freshly checked connection to the domain's xpra server ({@link DisplaySocket}) once that server answers, and
 * runs {@code xpra attach} on it as the desktop user: the client is never given a path the
 * domain controls. A client that dies while its domain runs is started again, a few times; it stops with the
 * domain.
 */
public final class Displays implements AutoCloseable {
    private static final System.Logger LOG = Log.of("airlock");
    /** Where xpra is looked for: the domains' {@code PATH}, whose system folders are the host's. */
    private static final List<Path> XPRA = List.of(Path.of("/usr/local/bin/xpra"), Path.of("/usr/bin/xpra"));
    private static final int MAX_RESTARTS = 5;
    private static final int MAX_CONNECTIONS = 4;
    private static final long LOG_BYTES = 1024 * 1024;
    private static final Duration SERVER_WAIT = Duration.ofSeconds(60);
    private static final String ATTACHED = "Attached to ";

    private final Path run;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private volatile boolean warnedNoXpra;

    /** @param run the broker's {@code run/} folder, which holds the desktop's record and the private sockets */
    public Displays(Path run) {
        this.run = run;
    }

    /** The installed xpra, if any. */
    public static Optional<Path> xpra() {
        return XPRA.stream().filter(Files::isExecutable).findFirst();
    }

    /**
     * What {@code airlock doctor} says about windows here: the recorded desktop, and what to install when xpra or
     * the piece it draws borders with is missing.
     */
    public static List<String> report(Path run) {
        List<String> lines = new ArrayList<>();
        Optional<Desktop> desktop = Desktop.load(run);
        lines.add("desktop: " + desktop.map(d -> "display " + d.display() + ", host clients run as uid " + d.uid())
                .orElse("none recorded: domains show no windows (run airlock up inside the desktop session)"));
        lines.add("xpra: " + xpra().map(x -> x + " (each gui domain runs its own server; windows through the host "
                + "client)").orElse("not installed: domains start without windows; install the packages xpra and "
                + "python3-gi-cairo"));
        if (xpra().isPresent() && !giCairo()) {
            lines.add("python3-gi-cairo: not installed: xpra's client draws black windows without borders; "
                    + "install it");
        }
        return lines;
    }

    private static boolean giCairo() {
        try (var entries = Files.list(Path.of("/usr/lib/python3/dist-packages/gi"))) {
            return entries.anyMatch(p -> p.getFileName().toString().startsWith("_gi_cairo"));
        } catch (IOException e) {
            return false;
        }
    }

    /** The desktop recorded by {@code airlock up}, if any. */
    public Optional<Desktop> desktop() {
        return Desktop.load(run);
    }

    /**
     * The display a domain starting now gets: one when a desktop is known, its {@code gui} setting (its template's
     * for a disposable) is not false and xpra is installed; otherwise none, as before domains had displays. Makes
     * its display folder in {@code domainRun} ({@code run/domains/NAME}), owned by {@code domainUid} when set.
     */
    public Optional<DomainDisplay> prepare(String name, Boolean gui, Path domainRun, OptionalInt domainUid)
            throws IOException {
        Path folder = domainRun.resolve("display");
        // A folder left by an earlier start with a display would make an adopting broker look for a server.
        if (Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
            Trees.deleteForcibly(folder);
        }
        if (Boolean.FALSE.equals(gui) || desktop().isEmpty()) {
            return Optional.empty();
        }
        if (xpra().isEmpty()) {
            if (!warnedNoXpra) {
                warnedNoXpra = true;
                LOG.log(Level.WARNING, "domains start without windows: xpra is not installed (install the "
                        + "packages xpra and python3-gi-cairo; airlock doctor tells more)");
            }
            return Optional.empty();
        }
        Files.createDirectory(folder);
        if (domainUid.isPresent()) {
            Files.setAttribute(folder, "unix:uid", domainUid.getAsInt(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(folder, "unix:gid", domainUid.getAsInt(), LinkOption.NOFOLLOW_LINKS);
        }
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
        return Optional.of(DomainDisplay.in(folder.toAbsolutePath().normalize()));
    }

    /**
     * Shows the windows of domain {@code name}, whose sandbox (bubblewrap's process) is {@code sandbox}, once its
     * display server answers. Does nothing when it has no display folder (started without one) or no desktop is
     * known.
     *
     * @param domainUid the domain's host uid when the broker runs as root, which must own its socket
     */
    public void started(String name, Label label, ProcessHandle sandbox, Path domainRun, OptionalInt domainUid) {
        Optional<Desktop> desktop = desktop();
        Optional<Path> xpra = xpra();
        if (desktop.isEmpty() || xpra.isEmpty()
                || !Files.isDirectory(domainRun.resolve("display"), LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Session s = new Session(name, label, sandbox, domainRun, domainUid, desktop.get(), xpra.get());
        Session old = sessions.put(name, s);
        if (old != null) {
            old.stop();
        }
        Thread.ofVirtual().name("airlock-display-" + name).start(s::run);
    }

    /** Stops the client of {@code name}, if any. */
    public void stopped(String name) {
        Session s = sessions.remove(name);
        if (s != null) {
            s.stop();
        }
    }

    /**
     * Waits until the host client of {@code name} has attached to its display server; true at once for a domain
     * that shows no windows.
     */
    public boolean awaitAttached(String name, Duration timeout) throws InterruptedException {
        Session s = sessions.get(name);
        return s == null || s.attached.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        for (String name : List.copyOf(sessions.keySet())) {
            stopped(name);
        }
    }

    /** One running domain's client, its private socket and the splices behind it. */
    private final class Session {
        private final String name;
        private final Label label;
        private final ProcessHandle sandbox;
        private final Path domainRun;
        private final OptionalInt domainUid;
        private final Desktop desktop;
        private final Path xpra;
        private final CountDownLatch attached = new CountDownLatch(1);
        private final Semaphore connections = new Semaphore(MAX_CONNECTIONS);
        private volatile boolean stopped;
        private volatile Process client;
        private volatile ServerSocketChannel listener;

        Session(String name, Label label, ProcessHandle sandbox, Path domainRun, OptionalInt domainUid,
                Desktop desktop, Path xpra) {
            this.name = name;
            this.label = label;
            this.sandbox = sandbox;
            this.domainRun = domainRun;
            this.domainUid = domainUid;
            this.desktop = desktop;
            this.xpra = xpra;
        }

        void run() {
            try (OutputStream log = Files.newOutputStream(domainRun.resolve("display-client.log"),
                    StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS)) {
                // The client starts at once, while the domain's server may still be starting: its connection waits in
                // the broker until the server answers, so the client's own start (1-2 s) overlaps the server's.
                Path folder = privateFolder();
                Path socket = folder.resolve("xpra");
                listen(socket);
                long[] written = {0};
                for (int starts = 0; !stopped && sandbox.isAlive() && starts <= MAX_RESTARTS; starts++) {
                    if (starts > 0) {
                        Thread.sleep(1000L * starts);
                    }
                    ProcessBuilder pb = new ProcessBuilder(command(socket)).redirectErrorStream(true)
                            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
                    pb.environment().clear();
                    pb.environment().putAll(XpraClient.environment(desktop, folder, config()));
                    Process p = pb.start();
                    client = p;
                    if (stopped) {
                        p.destroy();
                    }
                    copyOutput(p.getInputStream(), log, written);
                    p.waitFor();
                }
            } catch (IOException e) {
                // A client stopped with its domain closes its output under the copy: nothing went wrong then.
                if (!stopped && sandbox.isAlive()) {
                    LOG.log(Level.WARNING, "domain " + name + " shows no windows: " + e.getMessage());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stop();
            }
        }

        /**
         * A checked connection to the domain's server, polling while it starts; empty when it is refused (then the
         * session stops: the domain planted something), the session stopped, or the server never answered.
         */
        private Optional<UnixSocket> connectWhenReady() throws InterruptedException {
            long deadline = System.nanoTime() + SERVER_WAIT.toNanos();
            while (!stopped && sandbox.isAlive() && System.nanoTime() < deadline) {
                try {
                    return Optional.of(domainSocket().connect());
                } catch (DisplaySocket.RefusedException e) {
                    LOG.log(Level.WARNING, "domain " + name + " shows no windows: " + e.getMessage());
                    stop();
                    return Optional.empty();
                } catch (IOException e) {
                    Thread.sleep(50);
                }
            }
            if (!stopped && sandbox.isAlive()) {
                LOG.log(Level.WARNING, "domain " + name + " shows no windows: its display server did not answer "
                        + "within " + SERVER_WAIT.toSeconds() + " s");
            }
            return Optional.empty();
        }

        private DisplaySocket domainSocket() {
            return new DisplaySocket(domainRun, domainUid, sandboxNamespace(sandbox));
        }

        /** {@code run/display-clients/NAME}: the desktop user's alone (0700). */
        private Path privateFolder() throws IOException {
            Path all = run.resolve("display-clients");
            Files.createDirectories(all);
            Files.setPosixFilePermissions(all, PosixFilePermissions.fromString("rwx--x--x"));
            Path folder = all.resolve(name);
            if (Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
                Trees.deleteForcibly(folder);
            }
            Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            if (domainUid.isPresent()) {
                Files.setAttribute(folder, "unix:uid", desktop.uid(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(folder, "unix:gid", desktop.gid(), LinkOption.NOFOLLOW_LINKS);
            }
            return folder;
        }

        private Path config() throws IOException {
            Path conf = run.resolve("display-clients").resolve(".xpra-conf");
            Files.createDirectories(conf);
            Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rwxr-xr-x"));
            return conf;
        }

        private void listen(Path socket) throws IOException {
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            if (domainUid.isPresent()) {
                Files.setAttribute(socket, "unix:uid", desktop.uid(), LinkOption.NOFOLLOW_LINKS);
            }
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            listener = server;
            Thread.ofVirtual().name("airlock-display-accept-" + name).start(() -> accept(server));
        }

        private void accept(ServerSocketChannel server) {
            while (!stopped) {
                SocketChannel c;
                try {
                    c = server.accept();
                } catch (IOException e) {
                    return;
                }
                if (!connections.tryAcquire()) {
                    Splice.closeQuietly(c);
                    continue;
                }
                Thread.ofVirtual().start(() -> {
                    try {
                        Optional<UnixSocket> domain = connectWhenReady();
                        if (domain.isPresent()) {
                            Splice.join(c, domain.get());
                        } else {
                            Splice.closeQuietly(c);
                        }
                    } catch (InterruptedException e) {
                        Splice.closeQuietly(c);
                    } finally {
                        connections.release();
                    }
                });
            }
        }

        private List<String> command(Path socket) {
            List<String> argv = XpraClient.argv(xpra, socket, name, label);
            return domainUid.isPresent() ? desktop.asUser(argv) : argv;
        }

        /** The client's output into the log, at most {@value #LOG_BYTES} bytes; notes when it has attached. */
        private void copyOutput(InputStream in, OutputStream log, long[] written) throws IOException {
            byte[] buf = new byte[8192];
            StringBuilder line = new StringBuilder();
            for (int n; (n = in.read(buf)) > 0; ) {
                if (written[0] < LOG_BYTES) {
                    int k = (int) Math.min(n, LOG_BYTES - written[0]);
                    log.write(buf, 0, k);
                    log.flush();
                    written[0] += k;
                }
                if (attached.getCount() > 0) {
                    line.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                    if (line.indexOf(ATTACHED) >= 0) {
                        attached.countDown();
                    }
                    if (line.length() > 4096) {
                        line.delete(0, line.length() - 64);
                    }
                }
            }
        }

        /** Once: a later call (the session's own thread ending) must not delete a successor's folder. */
        void stop() {
            synchronized (this) {
                if (stopped) {
                    return;
                }
                stopped = true;
            }
            Process p = client;
            if (p != null) {
                p.destroy();
            }
            ServerSocketChannel l = listener;
            if (l != null) {
                try {
                    l.close();
                    Trees.deleteForcibly(run.resolve("display-clients").resolve(name));
                } catch (IOException e) {
                    // Replaced at the domain's next start.
                }
            }
            sessions.remove(name, this);
        }
    }

    /**
     * The PID namespace of a sandbox: that of the first process below bubblewrap's that is in a namespace other
     * than the broker's (bubblewrap itself stays in the host's); empty when none is found.
     */
    static String sandboxNamespace(ProcessHandle sandbox) {
        String ours = DisplaySocket.pidNamespace(ProcessHandle.current().pid());
        return sandbox.descendants().map(p -> DisplaySocket.pidNamespace(p.pid()))
                .filter(ns -> !ns.isEmpty() && !ns.equals(ours)).findFirst().orElse("\0none");
    }
}
