package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.desktop.Commands;
import dev.airlock.desktop.TestDisplay;
import dev.airlock.display.Desktop;
import dev.airlock.display.SessionBus;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Notifications on a real session bus: a private {@code dbus-daemon} of the desktop user, with dunst (a real
 * notification daemon) on a virtual display, and {@code dbus-monitor} watching the Notify calls. The broker knows
 * the bus only from the recorded desktop, as after {@code airlock up}; as root it sends as the desktop user
 * ({@code nobody}, whom dbus-daemon needs an account for).
 */
class NotificationIT {
    private static final String CLIENT = "$JAVA_HOME/bin/java -XX:TieredStopAtLevel=1 -jar /opt/airlock/airlock.jar"
            + " qrexec-client-vm";
    private static final String POLICY = """
            test.Quiet      *  work  vault  deny notify=no
            test.Loud       *  work  vault  deny
            qubes.Filecopy  *  work  vault  allow
            """;
    private static final int NOBODY = 65534;

    @Test
    void deniedCallWithNotifyReachesTheDesktopsNotificationDaemonAndOneWithNotifyNoDoesNot(@TempDir Path tmp)
            throws Exception {
        TestDisplay.assumeTools("dbus-daemon", "dbus-monitor", "dunst", "notify-send", "import");
        int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        boolean root = self == 0;
        assumeTrue(!root || Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(l -> l.contains(":"
                + NOBODY + ":")), "no account for uid " + NOBODY + ", which dbus-daemon needs");
        int uid = root ? NOBODY : self;
        int gid = root ? NOBODY : (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
        LiveDomains live = LiveDomains.create(tmp, POLICY, "work", "vault");
        for (String d : List.of("work", "vault")) {
            live.registry().update(all -> all.replace(all.require(d).withGui(false)));
        }
        Path busFolder = Files.createDirectories(tmp.resolve("bus"));
        Files.setAttribute(busFolder, "unix:uid", uid);
        Files.setAttribute(busFolder, "unix:gid", gid);
        SessionBus bus = new SessionBus("unix:path=" + busFolder.resolve("bus"));
        List<Process> session = new ArrayList<>();
        try (TestDisplay display = TestDisplay.start(tmp.resolve("display"))) {
            session.add(asUser(root, uid, gid, Map.of(), busFolder.resolve("dbus.log"), "dbus-daemon", "--session",
                    "--address=" + bus.address(), "--nofork", "--nopidfile"));
            awaitFile(busFolder.resolve("bus"));
            Map<String, String> env = new HashMap<>(display.environment());
            env.put("DBUS_SESSION_BUS_ADDRESS", bus.address());
            env.put("HOME", busFolder.toString());
            session.add(asUser(root, uid, gid, env, busFolder.resolve("dunst.log"), "dunst"));
            Path monitor = busFolder.resolve("monitor.txt");
            session.add(asUser(root, uid, gid, Map.of("DBUS_SESSION_BUS_ADDRESS", bus.address()), monitor,
                    "dbus-monitor", "interface='org.freedesktop.Notifications',member='Notify'"));
            awaitText(monitor, "NameAcquired");

            Files.createDirectories(live.home().run());
            new Desktop(display.name(), Optional.of(display.xauthority()), uid, gid, Optional.of(bus))
                    .save(live.home().run());
            try (Broker ignored = live.startBroker()) {
                live.start("work", "vault");
                // The quiet one first: notices go out in order, so once the loud one is seen, the quiet one would be.
                LiveDomains.Result quiet = live.sh("work", CLIENT + " vault test.Quiet; echo rc=$?");
                LiveDomains.Result loud = live.sh("work", CLIENT + " vault test.Loud; echo rc=$?");
                assertThat(quiet.out() + loud.out()).doesNotContain("rc=0");

                String seen = awaitText(monitor, "Denied: test.Loud from work to vault");
                assertThat(seen).contains("string \"airlock\"").contains("refused by policy")
                        .doesNotContain("test.Quiet");

                LiveDomains.Result copy = live.sh("work", "echo hello > note.txt && qvm-copy-to-vm vault note.txt");
                assertThat(copy.code()).as(copy.err()).isZero();
                seen = awaitText(monitor, "Files from work sent to vault");
                assertThat(seen).contains("They are in ~/QubesIncoming/work of vault.");
                Thread.sleep(700);
                Path shots = Files.createDirectories(Path.of("target", "desktop-screenshots"));
                display.x("import", "-window", "root", shots.resolve("notification-denied.png").toString());
            }
            assertThat(live.home().auditLog()).content().contains("test.Quiet").contains("test.Loud");
        } finally {
            session.reversed().forEach(p -> Commands.kill(p.toHandle()));
        }
    }

    /** {@code command} as the desktop user (through setpriv when root), its output into {@code log}. */
    private static Process asUser(boolean root, int uid, int gid, Map<String, String> env, Path log,
                                  String... command) throws IOException {
        List<String> argv = new ArrayList<>();
        if (root) {
            argv.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--"));
        }
        argv.addAll(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().putAll(env);
        return pb.start();
    }

    private static void awaitFile(Path p) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.exists(p) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(p).exists();
    }

    /** The monitor's output once it holds {@code text}, within 20 s. */
    private static String awaitText(Path file, String text) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String s = "";
        while (System.nanoTime() < deadline) {
            s = Files.exists(file) ? Files.readString(file) : "";
            if (s.contains(text)) {
                return s;
            }
            Thread.sleep(100);
        }
        assertThat(s).as("within 20 s").contains(text);
        return s;
    }
}
