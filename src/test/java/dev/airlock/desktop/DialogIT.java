package dev.airlock.desktop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.broker.AdminClient;
import dev.airlock.broker.LiveDomains;
import dev.airlock.domain.Label;
import dev.airlock.testing.Await;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trusted dialog on the host display (issue 13, docs/desktop.md): a {@code qvm-copy} from work that the policy
 * asks about shows "airlock: work asks" with the offered targets in their colours; Allow clicked after the guard time
 * copies and closes it, {@code airlock approve} and {@code deny} close it too, a click or Enter within the guard
 * time decides nothing, keys typed from inside a domain never reach it, and an unanswered one is denied at the
 * broker's ask timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
class DialogIT {
    private static final String TITLE = "^airlock: work asks$";
    private static final Duration SHOWN = Duration.ofSeconds(30);
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(20);
    /** Longer than the dialog's guard time (0.8 s). */
    private static final long AFTER_GUARD_MILLIS = 1500;
    /** The chips of personal (blue) and vault (purple), offered; of work (red), the source. */
    private static final int BLUE = 0x3465a4;
    private static final int PURPLE = 0x75507b;
    private static final int RED = 0xcc0000;

    private DesktopSession session;
    private TestDisplay host;
    private LiveDomains live;
    private Path tmp;
    private Process hostTerminal;
    private long hostTerminalWindow;
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        this.tmp = tmp;
        session = DesktopSession.withDisplay(tmp, "qubes.Filecopy * work @anyvm ask default_target=personal\n",
                Map.of("AIRLOCK_ASK_TIMEOUT", Long.toString(ASK_TIMEOUT.toSeconds())),
                l -> l.registry().update(all -> all.replace(all.require("personal").withLabel(Label.BLUE))
                        .replace(all.require("vault").withLabel(Label.PURPLE))),
                "work", "personal", "vault");
        host = session.display();
        live = session.live();
        live.start("work", "personal");
        // A host window the person was typing in when the question came.
        hostTerminal = host.spawn("xterm", "-T", "host-typing", "-geometry", "40x5+0+0");
        hostTerminalWindow = host.awaitWindow("^host-typing$", SHOWN).orElseThrow();
    }

    @AfterAll
    void stop() throws Exception {
        if (hostTerminal != null) {
            Commands.kill(hostTerminal.toHandle());
        }
        if (session != null) {
            session.close();
        }
        calls.shutdownNow();
    }

    @Test
    void allowClickedAfterTheGuardCopiesAndClosesTheDialogButAnEarlyClickDoesNot() throws Exception {
        CompletableFuture<LiveDomains.Result> copy = copy("clicked");
        live.waitingCall();
        long asked = System.nanoTime();
        long window = awaitDialog();
        System.out.printf("measured: trusted dialog visible %d ms after the call was queued%n",
                (System.nanoTime() - asked) / 1_000_000);
        assertThat(host.title(window)).isEqualTo("airlock: work asks");
        assertThat(host.x("xprop", "-id", Long.toString(window), "_NET_WM_STATE").out())
                .as("kept above the domains' windows").contains("_NET_WM_STATE_ABOVE");

        TestDisplay.Geometry g = host.geometry(window);
        BufferedImage shot = host.screenshotOnce(tmp.resolve("dialog-ask.png"),
                s -> Pixels.count(s, PURPLE, g) > 50, Duration.ofSeconds(10));
        assertThat(Pixels.count(shot, BLUE, g)).as("personal's chip (target/desktop-screenshots/dialog-ask.png)")
                .isGreaterThan(50);
        assertThat(Pixels.count(shot, PURPLE, g)).as("vault's chip").isGreaterThan(50);
        assertThat(Pixels.count(shot, RED, g)).as("work's chip and name").isGreaterThan(50);

        // The dialog comes up again while the person clicks: the click lands within the guard time.
        clickAllowRightAfterActivation(window, g);
        Thread.sleep(300);
        assertThat(copy).as("an early click confirms nothing").isNotDone();
        assertThat(pending()).hasSize(1);

        Thread.sleep(AFTER_GUARD_MILLIS);
        assertThat(host.x("xdotool", "click", "1").code()).isZero();
        LiveDomains.Result done = copy.get(60, TimeUnit.SECONDS);
        assertThat(done.code()).as(done.err()).isZero();
        assertThat(live.homeOf("personal").resolve("QubesIncoming/work/clicked")).hasContent("clicked");
        awaitGone();
    }

    @Test
    void approveCommandCopiesAndClosesTheDialog() throws Exception {
        CompletableFuture<LiveDomains.Result> copy = copy("approved");
        int id = live.waitingCall().path("id").asInt();
        awaitDialog();
        Commands.Result approve = session.airlock("approve", Integer.toString(id));
        assertThat(approve.code()).as(approve.err()).isZero();
        LiveDomains.Result done = copy.get(60, TimeUnit.SECONDS);
        assertThat(done.code()).as(done.err()).isZero();
        assertThat(live.homeOf("personal").resolve("QubesIncoming/work/approved")).hasContent("approved");
        awaitGone();
    }

    @Test
    void earlyEnterAndKeysTypedInsideADomainDecideNothing() throws Exception {
        CompletableFuture<LiveDomains.Result> copy = copy("typed");
        int id = live.waitingCall().path("id").asInt();
        long window = awaitDialog();
        activate(hostTerminalWindow);
        Commands.Result enter = host.x("xdotool", "windowactivate", "--sync", Long.toString(window), "key", "Return");
        assertThat(enter.code()).as(enter.err()).isZero();
        Thread.sleep(AFTER_GUARD_MILLIS);
        assertThat(copy).as("Enter within the guard time").isNotDone();

        // The dialog is active and armed now; work types on the only display it has, and tries the host's.
        LiveDomains.Result typed = live.sh("work", "xdotool key Return; xdotool type --delay 20 'yes'; "
                + "xdotool key Tab space Return; echo own=$?; DISPLAY=" + host.name() + " xdotool key Return "
                + "2>/dev/null; echo host=$?");
        assertThat(typed.out()).contains("own=0").doesNotContain("host=0");
        Thread.sleep(500);
        assertThat(copy).as("keys from inside work").isNotDone();
        assertThat(host.windows(TITLE)).containsExactly(window);
        assertThat(pending()).hasSize(1);
        BufferedImage shot = host.screenshot(tmp.resolve("dialog-after-domain-typed.png"));
        assertThat(Pixels.count(shot, PURPLE, host.geometry(window))).isGreaterThan(50);

        assertThat(session.airlock("deny", Integer.toString(id)).code()).isZero();
        LiveDomains.Result denied = copy.get(60, TimeUnit.SECONDS);
        assertThat(denied.code()).isNotZero();
        awaitGone();
        assertThat(live.homeOf("personal").resolve("QubesIncoming/work/typed")).doesNotExist();
    }

    @Test
    void unansweredDialogIsDeniedAtTheTimeout() throws Exception {
        CompletableFuture<LiveDomains.Result> copy = copy("ignored");
        live.waitingCall();
        awaitDialog();
        LiveDomains.Result denied = copy.get(ASK_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS);
        assertThat(denied.code()).isNotZero();
        awaitGone();
        assertThat(live.homeOf("personal").resolve("QubesIncoming/work/ignored")).doesNotExist();
    }

    /** {@code qvm-copy NAME} in work, with no destination: the dialog is where the person picks it. */
    private CompletableFuture<LiveDomains.Result> copy(String name) {
        // Not on the common pool: with two cores it has one thread, which Commands needs to read xdotool's output.
        return CompletableFuture.supplyAsync(() -> {
            try {
                return live.sh("work", "printf %s " + name + " > " + name + " && qvm-copy " + name);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, calls);
    }

    /** The dialog's window, polled often: the measured time is the dialog's, not the poll's. */
    private long awaitDialog() throws Exception {
        long deadline = System.nanoTime() + SHOWN.toNanos();
        while (System.nanoTime() < deadline) {
            List<Long> w = host.windows(TITLE);
            if (!w.isEmpty()) {
                return w.getFirst();
            }
            Thread.sleep(50);
        }
        host.screenshot(tmp.resolve("dialog-missing.png"));
        throw new AssertionError("no trusted dialog on the host display within " + SHOWN);
    }

    private void awaitGone() throws InterruptedException {
        Await.until(Duration.ofSeconds(10), "the dialog is gone", () -> host.windows(TITLE).isEmpty());
    }

    /**
     * Focuses another host window, then the dialog, and clicks where Allow is in one go: what a person clicking
     * away at something else does when the dialog comes up under the pointer.
     */
    private void clickAllowRightAfterActivation(long window, TestDisplay.Geometry g) throws Exception {
        activate(hostTerminalWindow);
        // Allow: the rightmost button, 18 px from the right edge, 14 px from the bottom, 96 x 32.
        int x = g.x() + g.width() - 18 - 48;
        int y = g.y() + g.height() - 14 - 16;
        Commands.Result click = host.x("xdotool", "windowactivate", "--sync", Long.toString(window), "mousemove",
                Integer.toString(x), Integer.toString(y), "click", "1");
        assertThat(click.code()).as(click.err()).isZero();
    }

    private void activate(long window) throws Exception {
        Commands.Result r = host.x("xdotool", "windowactivate", "--sync", Long.toString(window));
        assertThat(r.code()).as("activate %d: %s; windows: %s", window, r.err(),
                host.x("xdotool", "search", "--name", ".").out()).isZero();
    }

    private JsonNode pending() throws IOException {
        return new AdminClient(live.home()).call(AdminClient.request("pending")).path("calls");
    }
}
