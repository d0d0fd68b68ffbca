package dev.airlock.desktop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.LiveDomains;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Qubes' GUI isolation with airlock's display engine, each attack tried for real (docs/desktop.md):
 * a person's desktop session (Xvfb with a cookie, openbox), a broker started from it by {@code airlock up}, and two
 * domains, work and personal, whose windows are on that desktop. Every check that something never shows up has a
 * control that shows the same thing where it is allowed to be, so a probe that sees nothing cannot pass it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(240)
class IsolationIT {
    private static final Duration MAPPED = Duration.ofSeconds(30);
    private static final Duration PAINTED = Duration.ofSeconds(10);
    private static final String HOST_COLOUR = "#12ab34";
    private static final String WORK_COLOUR = "#c85a1e";
    private static final String PERSONAL_COLOUR = "#2b8f6e";

    private DesktopSession session;
    private TestDisplay host;
    private LiveDomains live;
    private Path tmp;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        this.tmp = tmp;
        session = DesktopSession.withDisplay(tmp, "", "work", "personal");
        host = session.display();
        live = session.live();
    }

    @AfterAll
    void stop() throws Exception {
        if (session != null) {
            session.close();
        }
    }

    @Test
    void domainCannotOpenHostDisplay() throws Exception {
        String mark = "mark-" + UUID.randomUUID();
        assertThat(host.x("xprop", "-root", "-f", "_AIRLOCK_TEST_MARK", "8s", "-set", "_AIRLOCK_TEST_MARK", mark)
                .code()).isZero();
        int n = host.number();
        String probe = "xprop -display :" + n + " -root _AIRLOCK_TEST_MARK";
        // Controls: the marker is readable on the host, also with nothing but the cookie in hand.
        assertThat(host.x("sh", "-c", probe).out()).contains(mark);
        Path stolenOnHost = tmp.resolve("stolen-on-host");
        assertThat(host.x("xauth", "-f", stolenOnHost.toString(), "add", ":" + n, "MIT-MAGIC-COOKIE-1", host.cookie())
                .code()).isZero();
        assertThat(Commands.run(List.of("sh", "-c", probe), java.util.Map.of("XAUTHORITY", stolenOnHost.toString()),
                Duration.ofSeconds(20)).out()).contains(mark);

        LiveDomains.Result env = live.sh("work", "env");
        assertThat(env.code()).isZero();
        assertThat(env.out().lines()).noneMatch(l -> l.startsWith("DBUS_SESSION_BUS_ADDRESS="))
                .noneMatch(l -> l.equals("DISPLAY=:" + n))
                .noneMatch(l -> l.contains(host.xauthority().toString()));

        // The host's X socket by path and in the abstract namespace (the one libxcb tries first).
        LiveDomains.Result sockets = live.sh("work", """
                python3 -c '
                import socket, sys
                for a in sys.argv[1:]:
                    s = socket.socket(socket.AF_UNIX)
                    try:
                        s.connect(a.replace("@", "\\0", 1)); print("connected", a)
                    except OSError as e:
                        print("refused", a)
                ' /tmp/.X11-unix/X%d @/tmp/.X11-unix/X%d
                """.formatted(n, n));
        assertThat(sockets.out().lines().toList()).as(sockets.err())
                .containsExactly("refused /tmp/.X11-unix/X" + n, "refused @/tmp/.X11-unix/X" + n);

        assertThat(live.sh("work", "xwininfo -root -display :" + n).code()).isNotZero();
        assertCannotRead(live.sh("work", probe), mark);
        assertCannotRead(live.sh("work", "XAUTHORITY=" + host.xauthority() + " " + probe), mark);
        assertThat(live.sh("work", "cat " + host.xauthority()).code()).as("the host's cookie file").isNotZero();
        // A cookie that leaked into the domain is of no use without a way to the server.
        assertCannotRead(live.sh("work", "xauth -f stolen add :" + n + " MIT-MAGIC-COOKIE-1 " + host.cookie()
                + " && XAUTHORITY=stolen " + probe), mark);
    }

    private static void assertCannotRead(LiveDomains.Result r, String mark) {
        assertThat(r.code()).as(r.out() + r.err()).isNotZero();
        assertThat(r.out() + r.err()).doesNotContain(mark);
    }

    @Test
    void domainCannotListOrCaptureHostWindows() throws Exception {
        String secret = "SECRET-" + UUID.randomUUID();
        Process hostWindow = host.spawn("xterm", "-T", "host-secret", "-bg", HOST_COLOUR, "-geometry", "60x10+0+0",
                "-e", "sh", "-c", "echo " + secret + "; sleep 200");
        try {
            assertThat(host.awaitWindow("^host-secret$", MAPPED)).isPresent();
            window("personal", "personal-window", PERSONAL_COLOUR, "sleep 200");
            window("work", "work-window", WORK_COLOUR, "sleep 200");
            // Control: all three are on the person's screen.
            BufferedImage screen = host.screenshotOnce(tmp.resolve("capture-host.png"),
                    s -> Pixels.count(s, rgb(PERSONAL_COLOUR)) > 0 && Pixels.count(s, rgb(WORK_COLOUR)) > 0, PAINTED);
            assertThat(Pixels.count(screen, rgb(HOST_COLOUR))).isPositive();
            assertThat(Pixels.count(screen, rgb(PERSONAL_COLOUR))).isPositive();
            assertThat(Pixels.count(screen, rgb(WORK_COLOUR))).isPositive();

            // The whole screen work has, and its own window by id: xpra's server redirects windows (Composite),
            // so a root capture there shows none of them, and the window's own capture is the control that the
            // tool sees pixels at all.
            LiveDomains.Result xwd = live.sh("work", "xwd -root -silent -out root.xwd && xwd -silent -out own.xwd"
                    + " -id $(xdotool search --name '^work-window$' | head -n 1)");
            assertThat(xwd.code()).as(xwd.err()).isZero();
            BufferedImage root = capturedInWork("root");
            BufferedImage own = capturedInWork("own");
            assertThat(Pixels.count(own, rgb(WORK_COLOUR))).as("work's capture of its own window").isPositive();
            for (BufferedImage inside : List.of(root, own)) {
                assertThat(Pixels.count(inside, rgb(HOST_COLOUR))).as("host window in work's capture").isZero();
                assertThat(Pixels.count(inside, rgb(PERSONAL_COLOUR))).as("personal's window in work's capture")
                        .isZero();
            }

            LiveDomains.Result tree = live.sh("work", "xwininfo -root -tree");
            assertThat(tree.code()).as(tree.err()).isZero();
            assertThat(tree.out()).contains("work-window").doesNotContain("host-secret")
                    .doesNotContain("personal-window").doesNotContain("[work]").doesNotContain(secret);
            assertThat(live.sh("work", "xdotool search --name 'host-secret|personal-window'").out()).isBlank();
        } finally {
            Commands.kill(hostWindow.toHandle());
        }
    }

    @Test
    void domainCannotTypeIntoAnotherDomainOrHostWindow() throws Exception {
        Path hostTyped = tmp.resolve("typed-host");
        Process hostWindow = host.spawn("xterm", "-T", "host-typing", "-geometry", "40x5+0+300", "-e", "sh", "-c",
                "read line; printf %s \"$line\" > " + hostTyped + "; sleep 200");
        try {
            assertThat(host.awaitWindow("^host-typing$", MAPPED)).isPresent();
            long personal = window("personal", "personal-typing", PERSONAL_COLOUR,
                    "read line; printf %s \"$line\" > typed; sleep 200");
            // work's own xdotool types on the only display it has, and looks for the others' windows there.
            LiveDomains.Result attack = live.sh("work", """
                    xdotool type 'from-work'; xdotool key Return
                    xdotool search --name 'host-typing|personal-typing' || echo none-found
                    """);
            assertThat(attack.out()).as(attack.err()).contains("none-found");
            long work = window("work", "work-typing", WORK_COLOUR,
                    "read line; printf %s \"$line\" > typed; sleep 200");

            host.activate(work);
            host.type("to-work");
            host.key("Return");
            Path workTyped = live.homeOf("work").resolve("typed");
            assertThat(awaitFile(workTyped)).as("keys typed into work's window reach work").isTrue();
            assertThat(Files.readString(workTyped)).isEqualTo("to-work");
            assertThat(live.homeOf("personal").resolve("typed")).as("work's keys in personal").doesNotExist();

            host.activate(personal);
            host.type("to-personal");
            host.key("Return");
            Path personalTyped = live.homeOf("personal").resolve("typed");
            assertThat(awaitFile(personalTyped)).isTrue();
            assertThat(Files.readString(personalTyped)).as("only what was typed into personal")
                    .isEqualTo("to-personal");
            assertThat(hostTyped).as("nothing reached the host's window").doesNotExist();
        } finally {
            Commands.kill(hostWindow.toHandle());
        }
    }

    @Test
    void domainCannotReadHostClipboard() throws Exception {
        long work = window("work", "work-clipboard", WORK_COLOUR, "sleep 200");
        Process hostWindow = host.spawn("xterm", "-T", "host-clipboard", "-geometry", "40x5+0+500", "-e",
                "sleep 200");
        try {
            long hostTerm = host.awaitWindow("^host-clipboard$", MAPPED).orElseThrow();
            String hostSecret = "host-clip-" + UUID.randomUUID();
            host.setClipboard(hostSecret);
            host.activate(work);
            // xpra would synchronise the clipboard when its window gets the focus; give it the time it needs.
            Thread.sleep(2000);
            LiveDomains.Result read = live.sh("work",
                    "xclip -o -selection clipboard; xclip -o -selection primary; echo done");
            assertThat(read.out()).contains("done").doesNotContain(hostSecret);

            String domainSecret = "work-clip-" + UUID.randomUUID();
            LiveDomains.Result set = live.sh("work",
                    "printf %s " + domainSecret + " | xclip -i -selection clipboard >/dev/null 2>&1;"
                            + " printf %s " + domainSecret + " | xclip -i -selection primary >/dev/null 2>&1;"
                            + " xclip -o -selection clipboard");
            assertThat(set.out()).as("control: work's own clipboard has it").isEqualTo(domainSecret);
            host.activate(work);
            Thread.sleep(1000);
            host.activate(hostTerm);
            Thread.sleep(2000);
            assertThat(host.clipboard()).contains(hostSecret);
            assertThat(host.x("xclip", "-o", "-selection", "primary").out()).doesNotContain(domainSecret);
        } finally {
            Commands.kill(hostWindow.toHandle());
        }
    }

    /** The capture {@code NAME.xwd} that work made in its home, as an image (also kept in target/). */
    private BufferedImage capturedInWork(String name) throws Exception {
        Path png = tmp.resolve("capture-in-work-" + name + ".png");
        Commands.Result converted = Commands.run(List.of("convert", "xwd:" + live.homeOf("work")
                .resolve(name + ".xwd"), "png:" + png), java.util.Map.of(), Duration.ofSeconds(30));
        assertThat(converted.code()).as(converted.err()).isZero();
        Path kept = Files.createDirectories(Path.of("target", "desktop-screenshots"));
        Files.copy(png, kept.resolve(png.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return Pixels.read(png);
    }

    /**
     * Opens {@code xterm -T TITLE -bg COLOUR -e sh -c SCRIPT} in {@code domain} as a person does
     * ({@code airlock run}) and returns its window on the host once mapped.
     */
    private long window(String domain, String title, String colour, String script) throws Exception {
        session.airlockInBackground("run", domain, "--", "xterm", "-T", title, "-bg", colour, "-geometry", "40x8",
                "-e", "sh", "-c", script);
        return host.awaitWindow("^\\[" + domain + "\\] " + title + "$", MAPPED).orElseThrow(
                () -> new AssertionError("no window [" + domain + "] " + title + " on the host display"));
    }

    private static boolean awaitFile(Path file) throws InterruptedException {
        for (int i = 0; i < 100 && !Files.exists(file); i++) {
            Thread.sleep(100);
        }
        return Files.exists(file);
    }

    private static int rgb(String hex) {
        return Integer.parseInt(hex.substring(1), 16);
    }
}
