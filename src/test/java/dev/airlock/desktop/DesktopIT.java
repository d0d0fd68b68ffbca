package dev.airlock.desktop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.LiveDomains;
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
 * What a person sees of domains on a desktop (issue 11, spec/desktop.md sections 1 and 7): {@code airlock up} in a
 * desktop session, then {@code airlock run work -- xterm} opens a window titled {@code [work] xterm} with a border in
 * work's label colour, and {@code gui false} keeps a domain as it was before there were displays.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(240)
class DesktopIT {
    private static final Duration MAPPED = Duration.ofSeconds(30);
    /** Red as xpra 3.1 draws a border: at 60% intensity. */
    private static final String RED_BORDER = "#990000";

    private DesktopSession session;
    private TestDisplay host;
    private LiveDomains live;
    private Path tmp;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        this.tmp = tmp;
        session = DesktopSession.withDisplay(tmp, "", "work", "personal", "plain");
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

        BufferedImage shot = host.screenshot(tmp.resolve("work-xterm.png"));
        TestDisplay.Geometry g = host.geometry(window);
        // Just inside each edge of the window, halfway along it: the border, in work's colour (red).
        assertThat(List.of(
                Pixels.hex(shot.getRGB(g.x() + 1, g.y() + g.height() / 2)),
                Pixels.hex(shot.getRGB(g.x() + g.width() - 2, g.y() + g.height() / 2)),
                Pixels.hex(shot.getRGB(g.x() + g.width() / 2, g.y() + 1)),
                Pixels.hex(shot.getRGB(g.x() + g.width() / 2, g.y() + g.height() - 2))))
                .as("border pixels of [work] xterm (screenshot %s)", tmp.resolve("work-xterm.png"))
                .containsOnly(RED_BORDER);
        // Inside the border: xterm's own white background, not more border.
        assertThat(Pixels.hex(shot.getRGB(g.x() + g.width() / 2, g.y() + g.height() / 2 + 20)))
                .isNotEqualTo(RED_BORDER);

        // The host's own windows carry neither a prefix nor a border.
        Process hostTerm = host.spawn("xterm", "-T", "host-own", "-geometry", "30x5+0+0");
        try {
            long own = host.awaitWindow("^host-own$", MAPPED).orElseThrow();
            TestDisplay.Geometry h = host.geometry(own);
            BufferedImage second = host.screenshot(tmp.resolve("host-own.png"));
            assertThat(Pixels.hex(second.getRGB(h.x() + 1, h.y() + h.height() / 2))).isNotEqualTo(RED_BORDER);
        } finally {
            Commands.kill(hostTerm.toHandle());
        }

        long t1 = System.nanoTime();
        session.airlockInBackground("run", "work", "--", "xterm", "-T", "second");
        assertThat(host.awaitWindow("^\\[work\\] second$", MAPPED)).isPresent();
        long warm = System.nanoTime() - t1;
        System.out.printf("measured: airlock run work -- xterm until mapped: cold %d ms, warm %d ms%n",
                cold / 1_000_000, warm / 1_000_000);
    }

    @Test
    void closingTheLastWindowLeavesTheDomainRunning() throws Exception {
        Process run = session.airlockInBackground("run", "personal", "--", "xterm", "-T", "only-window");
        long window = host.awaitWindow("^\\[personal\\] only-window$", MAPPED).orElseThrow();
        host.activate(window);
        // What the window manager's close does: WM_DELETE_WINDOW through the host client to the xterm.
        host.key("alt+F4");
        assertThat(run.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("the xterm ended").isTrue();
        assertThat(host.windows("^\\[personal\\] ")).isEmpty();
        assertThat(live.running()).contains("personal");
        session.airlockInBackground("run", "personal", "--", "xterm", "-T", "again");
        assertThat(host.awaitWindow("^\\[personal\\] again$", MAPPED)).isPresent();
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
}
