package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.display.Desktop;
import dev.airlock.display.Displays;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A domain's windows on a real (virtual) desktop: Xvfb with openbox as the person's display, a real sandbox with its
 * own xpra server, the broker's host client. Skips without Xvfb, openbox, xpra, xdotool or ImageMagick. As root the
 * client runs as an unprivileged desktop user of its own ({@value #DESKTOP_UID}), which this Xvfb (started without
 * access control, local connections only) accepts.
 */
class DisplayEngineIT {
    private static final int DESKTOP_UID = 60998;
    private static final String HOST = ":57";
    private static final List<Process> DESKTOP = new ArrayList<>();

    @BeforeAll
    static void startDesktop() throws Exception {
        for (String tool : List.of("Xvfb", "openbox", "xdotool", "import", "xwininfo")) {
            assumeTrue(onPath(tool), tool + " is not installed: no desktop to test windows on");
        }
        assumeTrue(Displays.xpra().isPresent(), "xpra is not installed");
        assumeTrue(!Files.exists(Path.of("/tmp/.X11-unix/X57")), "display :57 is taken");
        DESKTOP.add(new ProcessBuilder("Xvfb", HOST, "-screen", "0", "1280x800x24", "-nolisten", "tcp")
                .redirectErrorStream(true).redirectOutput(new File("/dev/null")).start());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!Files.exists(Path.of("/tmp/.X11-unix/X57")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        ProcessBuilder wm = new ProcessBuilder("openbox").redirectErrorStream(true)
                .redirectOutput(new File("/dev/null"));
        wm.environment().put("DISPLAY", HOST);
        DESKTOP.add(wm.start());
    }

    @AfterAll
    static void stopDesktop() {
        DESKTOP.reversed().forEach(Process::destroy);
    }

    @Test
    void domainWindowAppearsMarkedAndTheDomainSeesOnlyItsOwnDisplay(@TempDir Path tmp) throws Exception {
        LiveDomains live = LiveDomains.create(tmp, "", "work", "quiet");
        live.registry().update(d -> d.replace(d.require("quiet").withGui(false)));
        boolean root = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        int uid = root ? DESKTOP_UID : (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        int gid = root ? DESKTOP_UID : (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
        Files.createDirectories(live.home().run());
        new Desktop(HOST, Optional.empty(), uid, gid).save(live.home().run());
        // A host window with a secret in its title: the domain must never see it.
        Process secret = host("xterm", "-T", "host-secret-4711", "-e", "sleep", "120");
        try (Broker ignored = live.startBroker()) {
            xdotool(10, "search", "--sync", "--onlyvisible", "--name", "^host-secret-4711$");
            long t0 = System.nanoTime();
            LiveDomains.Result r = live.sh("work", "echo $DISPLAY; setsid xterm -T it-window -e sleep 120 "
                    + ">/dev/null 2>&1 </dev/null &");
            long started = System.nanoTime();
            String window = xdotool(60, "search", "--sync", "--onlyvisible", "--name", "^\\[work\\] it-window$")
                    .strip().lines().findFirst().orElseThrow();
            long mapped = System.nanoTime();
            System.out.printf("DisplayEngineIT: cold domain start + xterm until mapped %d ms (run returned after "
                    + "%d ms)%n", (mapped - t0) / 1_000_000, (started - t0) / 1_000_000);
            assertThat(r.out().strip()).isEqualTo(":100");
            assertThat(xdotool(5, "getwindowname", window).strip()).isEqualTo("[work] it-window");

            // The border, just inside the window's left edge: work's red at xpra's 60% (#cc0000 -> #7a0000).
            Map<String, Integer> g = geometry(window);
            Thread.sleep(500);
            BufferedImage shot = ImageIO.read(new ByteArrayInputStream(hostOutput("import", "-window", "root",
                    "png:-")));
            int rgb = shot.getRGB(g.get("X") + 1, g.get("Y") + g.get("HEIGHT") / 2);
            assertThat((rgb >> 16) & 0xff).as("red of #%06x", rgb & 0xffffff).isBetween(0x70, 0x84);
            assertThat((rgb >> 8) & 0xff).as("green").isLessThan(0x10);
            assertThat(rgb & 0xff).as("blue").isLessThan(0x10);

            // Inside: the host's display is unreachable, and the domain's own lists no host window.
            LiveDomains.Result hostFromInside = live.sh("work", "DISPLAY=" + HOST + " xwininfo -root 2>&1; echo rc=$?");
            assertThat(hostFromInside.out()).doesNotContain("rc=0").contains("unable to open display");
            LiveDomains.Result own = live.sh("work", "xwininfo -root -tree");
            assertThat(own.code()).isZero();
            assertThat(own.out()).contains("it-window").doesNotContain("host-secret");

            // gui=false: as before domains had displays, no DISPLAY and no server; its own passwd all the same.
            LiveDomains.Result quiet = live.sh("quiet", "echo ${DISPLAY:-none}; id -un; ls /run/airlock; "
                    + "ls /tmp/.X11-unix 2>&1");
            assertThat(quiet.out()).startsWith("none\nuser\n").doesNotContain("display\n").contains("No such file");
            assertThat(live.home().run().resolve("domains/quiet/display")).doesNotExist();

            long t1 = System.nanoTime();
            live.sh("work", "setsid xterm -T it-second -e sleep 120 >/dev/null 2>&1 </dev/null &");
            xdotool(30, "search", "--sync", "--onlyvisible", "--name", "^\\[work\\] it-second$");
            System.out.printf("DisplayEngineIT: running domain, xterm until mapped %d ms%n",
                    (System.nanoTime() - t1) / 1_000_000);
        } finally {
            secret.destroy();
        }
        // The host client stops with the domain.
        String socket = live.home().run().resolve("display-clients/work/xpra").toString();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (clients(socket) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(clients(socket)).as("xpra clients of the stopped domain").isZero();
    }

    @Test
    void pooledDisposableIsGivenOutOnlyWithItsHostClientAttached(@TempDir Path tmp) throws Exception {
        LiveDomains live = LiveDomains.create(tmp, "", "dvm");
        live.registry().update(d -> d.replace(d.require("dvm").withTemplateForDispvms(true)));
        boolean root = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        int uid = root ? DESKTOP_UID : (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        int gid = root ? DESKTOP_UID : (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
        Files.createDirectories(live.home().run());
        new Desktop(HOST, Optional.empty(), uid, gid).save(live.home().run());
        Broker.Settings s = live.settings(Broker.DEFAULT_ASK_TIMEOUT);
        try (Broker ignored = Broker.start(new Broker.Settings(s.home(), s.policyDirectory(), s.installDir(),
                s.jdkHome(), s.askTimeout(), 1, s.disposableHomeBytes()))) {
            long deadline = System.nanoTime() + 90_000_000_000L;
            String pooled = null;
            while (pooled == null && System.nanoTime() < deadline) {
                var answer = new AdminClient(live.home()).call(AdminClient.request("running"));
                pooled = answer.path("pooled").isEmpty() ? null : answer.path("pooled").get(0).asText();
                Thread.sleep(20);
            }
            assertThat(pooled).as("a pooled disposable").isNotNull();
            String log = Files.readString(live.home().run().resolve("domains").resolve(pooled)
                    .resolve("display-client.log"));
            assertThat(log).as("its client's log when it joined the pool").contains("Attached to ");
            String window = "pooled-" + pooled;
            live.sh(pooled, "setsid xterm -T " + window + " -e sleep 60 >/dev/null 2>&1 </dev/null &");
            long t0 = System.nanoTime();
            xdotool(30, "search", "--sync", "--onlyvisible", "--name", "^\\[" + pooled + "\\] " + window + "$");
            System.out.printf("DisplayEngineIT: pooled disposable, xterm until mapped %d ms%n",
                    (System.nanoTime() - t0) / 1_000_000);
        }
    }

    private static long clients(String socket) {
        return ProcessHandle.allProcesses().filter(p -> p.info().arguments()
                .map(a -> List.of(a).contains("socket:" + socket)).orElse(false)).count();
    }

    private static Process host(String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(new File("/dev/null"));
        pb.environment().put("DISPLAY", HOST);
        return pb.start();
    }

    private static byte[] hostOutput(String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(new File("/dev/null"));
        pb.environment().put("DISPLAY", HOST);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private static String xdotool(int seconds, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("timeout", Integer.toString(seconds), "xdotool"));
        cmd.addAll(List.of(args));
        String out = new String(hostOutput(cmd.toArray(String[]::new)), StandardCharsets.UTF_8);
        assertThat(out).as("xdotool %s", String.join(" ", args)).isNotBlank();
        return out;
    }

    private static Map<String, Integer> geometry(String window) throws Exception {
        Map<String, Integer> g = new HashMap<>();
        for (String line : xdotool(5, "getwindowgeometry", "--shell", window).split("\n")) {
            String[] kv = line.split("=", 2);
            if (kv.length == 2 && kv[1].matches("-?[0-9]+")) {
                g.put(kv[0], Integer.parseInt(kv[1]));
            }
        }
        return g;
    }

    private static boolean onPath(String tool) {
        return List.of("/usr/bin", "/bin", "/usr/local/bin").stream()
                .anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }
}
