package dev.airlock.desktop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.LiveDomains;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The progress window of a copy started from a desktop ({@code qvm-copy-to-vm --progress=gui}, as a file manager's
 * "Send to VM" runs it): zenity in the sending domain, on its own display, so on the host it is "[work] ..." with
 * work's border; its Cancel stops the copy with a clear message, and the receiver keeps nothing partial. The receiver
 * is frozen (SIGSTOP) while the window is looked at and cancelled, so that the copy lasts as long as the test needs.
 */
@Timeout(300)
class GuiProgressIT {
    private static final Duration SHOWN = Duration.ofSeconds(30);

    @Test
    void cancelInTheProgressWindowStopsTheCopyAndTheReceiverKeepsNothingPartial(@TempDir Path tmp) throws Exception {
        TestDisplay.assumeTools("zenity");
        try (DesktopSession session = DesktopSession.withDisplay(tmp, "qubes.Filecopy * work vault allow\n",
                live -> live.registry().update(all -> all.replace(all.require("vault").withGui(false))),
                "work", "vault")) {
            LiveDomains live = session.live();
            TestDisplay host = session.display();
            live.start("vault");
            assertThat(live.sh("work", "head -c 2048M /dev/zero > big.bin && echo made").out()).contains("made");
            Path incoming = live.homeOf("vault").resolve("QubesIncoming");
            Process copy = session.airlockInBackground("run", "work", "--", "sh", "-c",
                    "qvm-copy-to-vm --progress=gui vault big.bin; echo rc=$?");
            // The window comes after the copy has run a second; the receiver is frozen as soon as it is there.
            long window = host.awaitWindow("^\\[work\\] Copying files to vault$", SHOWN).orElseThrow(
                    () -> new AssertionError("no progress window: " + output(session, copy)));
            List<Long> frozen = signal("-STOP", live.sandboxPid("vault"));
            try {
                assertThat(copy.isAlive()).as("the copy runs while its window is shown").isTrue();
                TestDisplay.Geometry g = host.geometry(window);
                Thread.sleep(1000);
                host.screenshot(tmp.resolve("gui-progress.png"));
                clickCancel(host, g);
                assertThat(host.windows("^\\[work\\] Copying files")).as("the window closed on Cancel").isEmpty();
            } finally {
                signal("-CONT", frozen);
            }
            assertThat(copy.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("the copy stopped").isTrue();
            String out = session.output(copy);
            assertThat(out).contains("cancelled: the copy was stopped").doesNotContain("rc=0");
            // The receiver writes into a file without a name (O_TMPFILE), named only once complete.
            try (Stream<Path> kept = Files.walk(incoming)) {
                assertThat(kept.filter(Files::isRegularFile).map(Path::toString)).as("nothing partial in vault")
                        .isEmpty();
            }
        }
    }

    /** Cancel, left of OK at the bottom right of zenity's progress dialog. */
    private static void clickCancel(TestDisplay host, TestDisplay.Geometry g) throws Exception {
        int x = g.x() + g.width() - 130;
        int y = g.y() + g.height() - 25;
        Commands.Result r = host.x("xdotool", "mousemove", "--sync", Integer.toString(x), Integer.toString(y),
                "click", "1");
        assertThat(r.code()).as(r.err()).isZero();
        Thread.sleep(1000);
    }

    private static String output(DesktopSession session, Process p) {
        try {
            return session.output(p);
        } catch (java.io.IOException e) {
            return e.getMessage();
        }
    }

    /** Sends {@code signal} to {@code root} and all its descendants; returns the pids. */
    private static List<Long> signal(String signal, long root) throws Exception {
        List<Long> pids = new ArrayList<>(List.of(root));
        ProcessHandle.of(root).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        return signal(signal, pids);
    }

    private static List<Long> signal(String signal, List<Long> pids) throws Exception {
        List<String> argv = new ArrayList<>(List.of("kill", signal));
        pids.forEach(p -> argv.add(Long.toString(p)));
        new ProcessBuilder(argv).inheritIO().start().waitFor();
        return pids;
    }
}
