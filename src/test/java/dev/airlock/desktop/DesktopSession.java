package dev.airlock.desktop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.LiveDomains;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A person's desktop session with airlock in it: a {@link TestDisplay} (or none), real domains in a temporary home,
 * and a broker started by {@code airlock up} from that session, so it sees the session's environment as a user's
 * would (DISPLAY, XAUTHORITY, a session bus address). The host client of the display engine runs as an unprivileged
 * desktop user ({@code AIRLOCK_DESKTOP_USER}), never as root. Closing it stops the broker ({@code airlock down}),
 * everything the test started, and the display.
 */
public final class DesktopSession implements AutoCloseable {
    /** The uid of the test's desktop user: unprivileged and without an account, like a CI runner's nobody. */
    public static final String DESKTOP_USER = "60998";
    private static final Duration COMMAND_LIMIT = Duration.ofSeconds(90);

    /** Changes to a new home (the registry, domains' files) before its broker starts. */
    @FunctionalInterface
    public interface Setup {
        void prepare(LiveDomains live) throws Exception;
    }

    private final Path folder;
    private final LiveDomains live;
    private final TestDisplay display;
    private final Map<String, String> environment;
    private final Map<Process, Path> background = new java.util.LinkedHashMap<>();
    private long brokerPid;

    private DesktopSession(Path folder, LiveDomains live, TestDisplay display, Map<String, String> environment) {
        this.folder = folder;
        this.live = live;
        this.display = display;
        this.environment = environment;
    }

    /**
     * A session with its own display, {@code domains} registered (red label), {@code policy} as the only rules, and
     * the broker started from it.
     */
    public static DesktopSession withDisplay(Path tmp, String policy, String... domains) throws Exception {
        return withDisplay(tmp, policy, live -> { }, domains);
    }

    /** As {@link #withDisplay(Path, String, String...)}, with {@code setup} run before the broker starts. */
    public static DesktopSession withDisplay(Path tmp, String policy, Setup setup, String... domains)
            throws Exception {
        return withDisplay(tmp, policy, Map.of(), setup, domains);
    }

    /**
     * As {@link #withDisplay(Path, String, Setup, String...)}, with {@code variables} in the session's environment,
     * which its broker reads ({@code AIRLOCK_ASK_TIMEOUT}).
     */
    public static DesktopSession withDisplay(Path tmp, String policy, Map<String, String> variables, Setup setup,
            String... domains) throws Exception {
        // The display engine and what the tests open and look with, besides the display's own tools.
        TestDisplay.assumeTools("xpra", "xterm", "xwd", "convert");
        LiveDomains live = LiveDomains.create(tmp, policy, domains);
        setup.prepare(live);
        Path displayFolder = Files.createDirectories(tmp.resolve("display"));
        // The desktop user's client reads the session's cookie, as a user's own programs do.
        Files.setPosixFilePermissions(displayFolder, PosixFilePermissions.fromString("rwx--x--x"));
        TestDisplay display = TestDisplay.start(displayFolder);
        Map<String, String> env = new HashMap<>(display.environment());
        // A session bus address that must never reach a domain (nothing listens on it).
        env.put("DBUS_SESSION_BUS_ADDRESS", "unix:path=" + displayFolder.resolve("session-bus"));
        env.put("AIRLOCK_DESKTOP_USER", DESKTOP_USER);
        env.putAll(variables);
        return started(new DesktopSession(tmp, live, display, env));
    }

    /** A session on a machine without any display: no DISPLAY, WAYLAND_DISPLAY or AIRLOCK_DISPLAY. */
    public static DesktopSession withoutDisplay(Path tmp, String policy, String... domains) throws Exception {
        LiveDomains live = LiveDomains.create(tmp, policy, domains);
        return started(new DesktopSession(tmp, live, null, Map.of()));
    }

    private static DesktopSession started(DesktopSession s) throws Exception {
        try {
            Commands.Result up = s.airlock("up");
            assertThat(up.code()).as("airlock up: %s %s", up.out(), up.err()).isZero();
            s.brokerPid = new AdminClient(s.live.home()).call(AdminClient.request("ping")).get("pid").asLong();
            return s;
        } catch (Exception | AssertionError e) {
            s.close();
            throw e;
        }
    }

    public LiveDomains live() {
        return live;
    }

    /** The session's display; the test fails when the session has none. */
    public TestDisplay display() {
        assertThat(display).as("a session with a display").isNotNull();
        return display;
    }

    /** The pid of the broker that {@code airlock up} started. */
    public long brokerPid() {
        return brokerPid;
    }

    /** A folder for the test's own files (screenshots, logs). */
    public Path folder() {
        return folder;
    }

    /** {@code airlock ARGS...} typed in this session, waited for (at most 90 s). */
    public Commands.Result airlock(String... args) throws IOException, InterruptedException {
        ProcessBuilder pb = prepared(args);
        return Commands.run(pb.command(), pb.environment(), COMMAND_LIMIT);
    }

    /**
     * {@code airlock ARGS...} typed in this session and left running (an {@code airlock run work -- xterm} lasts as
     * long as the xterm); its output goes to a log in the session's folder ({@link #output}). Ended at close.
     */
    public Process airlockInBackground(String... args) throws IOException {
        Path log = folder.resolve("airlock-" + background.size() + ".log");
        Process p = prepared(args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        background.put(p, log);
        return p;
    }

    /** What a command started by {@link #airlockInBackground} printed so far. */
    public String output(Process command) throws IOException {
        return Files.readString(background.get(command));
    }

    private ProcessBuilder prepared(String... args) {
        ProcessBuilder pb = live.airlock(args);
        Map<String, String> env = pb.environment();
        for (String name : List.of("DISPLAY", "WAYLAND_DISPLAY", "AIRLOCK_DISPLAY", "XAUTHORITY",
                "DBUS_SESSION_BUS_ADDRESS", "AIRLOCK_DESKTOP_USER")) {
            env.remove(name);
        }
        env.putAll(environment);
        return pb;
    }

    /** Whether a process whose command line contains {@code word} runs under {@code root} (itself included). */
    public static Optional<ProcessHandle> processUnder(long root, String word) {
        return ProcessHandle.of(root).flatMap(r -> java.util.stream.Stream.concat(java.util.stream.Stream.of(r),
                        r.descendants())
                .filter(p -> p.info().commandLine().map(c -> c.contains(word)).orElse(false)
                        || p.info().command().map(c -> c.contains(word)).orElse(false))
                .findFirst());
    }

    @Override
    public void close() throws Exception {
        try {
            if (brokerPid != 0) {
                airlock("down");
                ProcessHandle.of(brokerPid).ifPresent(Commands::kill);
            }
        } finally {
            background.keySet().forEach(p -> Commands.kill(p.toHandle()));
            if (display != null) {
                display.close();
            }
        }
    }
}
