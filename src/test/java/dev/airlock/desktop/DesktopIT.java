package dev.airlock.desktop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.LiveDomains;
import dev.airlock.domain.Label;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a person sees of domains on a desktop (issue 11, docs/desktop.md): {@code airlock up} in a
 * desktop session, then {@code airlock run work -- xterm} opens a window titled {@code [work] xterm} with a border in
 * work's label colour, and {@code gui false} keeps a domain as it was before there were displays.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(240)
class DesktopIT {
    private static final Duration MAPPED = Duration.ofSeconds(30);
    private static final Duration PAINTED = Duration.ofSeconds(10);
    /** Qubes' red and blue labels (#cc0000, #3465a4) as xpra 3.1 draws a border: at 60% intensity. */
    private static final int RED_BORDER = atSixtyPercent(0xcc0000);
    private static final int BLUE_BORDER = atSixtyPercent(0x3465a4);

    private DesktopSession session;
    private TestDisplay host;
    private LiveDomains live;
    private Path tmp;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        this.tmp = tmp;
        session = DesktopSession.withDisplay(tmp, "",
                l -> l.registry().update(all -> all.replace(all.require("personal").withLabel(Label.BLUE))),
                "work", "personal", "plain", "solo", "popup");
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
    void domainWindowIsTitledWithItsNameAndBorderedInItsLabelColour() throws Exception {
        assertThat(live.running()).doesNotContain("work");
        long t0 = System.nanoTime();
        session.airlockInBackground("run", "work", "--", "xterm");
        long window = host.awaitWindow("^\\[work\\] ", MAPPED).orElseThrow(
                () -> new AssertionError("no [work] window on the host display"));
        long cold = System.nanoTime() - t0;
        assertThat(host.title(window)).isEqualTo("[work] xterm");

        TestDisplay.Geometry g = host.geometry(window);
        BufferedImage shot = host.screenshotOnce(tmp.resolve("work-xterm.png"), s -> bordered(s, g, RED_BORDER),
                PAINTED);
        // Just inside each edge of the window, halfway along it: the border, in work's colour (red).
        assertThat(edges(shot, g)).as("border pixels of [work] xterm (target/desktop-screenshots/work-xterm.png)")
                .allMatch(c -> near(c, RED_BORDER));
        // Inside the border: xterm's own white background, not more border.
        assertThat(Pixels.hex(shot.getRGB(g.x() + g.width() / 2, g.y() + g.height() / 2 + 20)))
                .isEqualTo("#ffffff");

        // The host's own windows carry neither a prefix nor a border.
        Process hostTerm = host.spawn("xterm", "-T", "host-own", "-geometry", "30x5+0+0");
        try {
            long own = host.awaitWindow("^host-own$", MAPPED).orElseThrow();
            TestDisplay.Geometry h = host.geometry(own);
            BufferedImage second = host.screenshot(tmp.resolve("host-own.png"));
            assertThat(edges(second, h)).noneMatch(c -> near(c, RED_BORDER));
        } finally {
            Commands.kill(hostTerm.toHandle());
        }

        long t1 = System.nanoTime();
        session.airlockInBackground("run", "work", "--", "xterm", "-T", "second");
        assertThat(host.awaitWindow("^\\[work\\] second$", MAPPED)).isPresent();
        long warm = System.nanoTime() - t1;
        System.out.printf("measured: airlock run work -- xterm until mapped: cold %d ms, warm %d ms%n",
                cold / 1_000_000, warm / 1_000_000);

        // Another domain, another label: its own colour, not work's.
        session.airlockInBackground("run", "personal", "--", "xterm", "-T", "blue");
        long blue = host.awaitWindow("^\\[personal\\] blue$", MAPPED).orElseThrow();
        TestDisplay.Geometry b = host.geometry(blue);
        BufferedImage third = host.screenshotOnce(tmp.resolve("personal-xterm.png"),
                s -> bordered(s, b, BLUE_BORDER), PAINTED);
        assertThat(edges(third, b)).as("border of [personal] blue (target/desktop-screenshots/personal-xterm.png)")
                .allMatch(c -> near(c, BLUE_BORDER));
    }

    @Test
    void popupMenuOfADomainCarriesItsNameAndBorder() throws Exception {
        session.airlockInBackground("run", "popup", "--", "xterm", "-T", "menu-owner", "-geometry", "60x20");
        long window = host.awaitWindow("^\\[popup\\] menu-owner$", MAPPED).orElseThrow();
        host.activate(window);
        TestDisplay.Geometry g = host.geometry(window);
        // Ctrl and the left button in an xterm open its "Main Options" menu: an override-redirect pop-up, which
        // no window manager frames; the host client still names and borders it.
        assertThat(host.x("xdotool", "mousemove", Integer.toString(g.x() + 60), Integer.toString(g.y() + 60),
                "keydown", "ctrl", "mousedown", "1").code()).isZero();
        try {
            long menu = host.awaitWindow("^\\[popup\\] $", MAPPED).orElseThrow(
                    () -> new AssertionError("no pop-up named [popup] on the host display"));
            TestDisplay.Geometry m = host.geometry(menu);
            BufferedImage shot = host.screenshotOnce(tmp.resolve("popup-menu.png"), s -> bordered(s, m, RED_BORDER),
                    PAINTED);
            assertThat(edges(shot, m)).as("border of popup's pop-up (target/desktop-screenshots/popup-menu.png)")
                    .allMatch(c -> near(c, RED_BORDER));
        } finally {
            host.x("xdotool", "mouseup", "1", "keyup", "ctrl");
        }
    }

    @Test
    void closingTheLastWindowLeavesTheDomainRunning() throws Exception {
        Process run = session.airlockInBackground("run", "solo", "--", "xterm", "-T", "only-window");
        long window = host.awaitWindow("^\\[solo\\] only-window$", MAPPED).orElseThrow();
        host.activate(window);
        // What the window manager's close does: WM_DELETE_WINDOW through the host client to the xterm.
        host.key("alt+F4");
        assertThat(run.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("the xterm ended").isTrue();
        assertThat(host.windows("^\\[solo\\] ")).isEmpty();
        assertThat(live.running()).contains("solo");
        session.airlockInBackground("run", "solo", "--", "xterm", "-T", "again");
        assertThat(host.awaitWindow("^\\[solo\\] again$", MAPPED)).isPresent();
    }

    @Test
    void guiFalseBehavesAsToday() throws Exception {
        Commands.Result set = session.airlock("prefs", "plain", "gui", "false");
        assertThat(set.code()).as(set.err()).isZero();
        assertThat(session.airlock("prefs", "plain", "gui").out().strip()).isEqualTo("false");
        Commands.Result ran = session.airlock("run", "plain", "--", "true");
        assertThat(ran.code()).as(ran.err()).isZero();
        Commands.Result display = session.airlock("run", "plain", "--", "sh", "-c",
                "echo \"display=${DISPLAY-none}\"; xterm -T plain-xterm -e true; echo \"xterm=$?\"");
        assertThat(display.out()).contains("display=none").doesNotContain("xterm=0");
        assertThat(DesktopSession.processUnder(live.sandboxPid("plain"), "xpra")).isEmpty();
        assertThat(host.windows("^\\[plain\\] ")).isEmpty();
    }

    /** The colours just inside each edge of the window, halfway along it: where the border is. */
    private static List<Integer> edges(BufferedImage shot, TestDisplay.Geometry g) {
        return List.of(
                shot.getRGB(g.x() + 1, g.y() + g.height() / 2) & 0xffffff,
                shot.getRGB(g.x() + g.width() - 2, g.y() + g.height() / 2) & 0xffffff,
                shot.getRGB(g.x() + g.width() / 2, g.y() + 1) & 0xffffff,
                shot.getRGB(g.x() + g.width() / 2, g.y() + g.height() - 2) & 0xffffff);
    }

    private static boolean bordered(BufferedImage shot, TestDisplay.Geometry g, int colour) {
        return edges(shot, g).stream().allMatch(c -> near(c, colour));
    }

    /** Equal but for rounding: each channel at most 1 apart. */
    private static boolean near(int rgb, int expected) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs(((rgb >> shift) & 0xff) - ((expected >> shift) & 0xff)) > 1) {
                return false;
            }
        }
        return true;
    }

    private static int atSixtyPercent(int rgb) {
        int r = (int) Math.round(((rgb >> 16) & 0xff) * 0.6);
        int g = (int) Math.round(((rgb >> 8) & 0xff) * 0.6);
        int b = (int) Math.round((rgb & 0xff) * 0.6);
        return (r << 16) | (g << 8) | b;
    }
}
