package dev.airlock.desktop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.AuditLog;
import dev.airlock.broker.LiveDomains;
import java.nio.file.Files;
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
 * Qubes' global clipboard with real displays (issue 13, docs/desktop.md): text selected in work's display reaches
 * personal's only through {@code airlock clipboard copy work} and {@code airlock clipboard paste personal}, never by
 * itself (nor the host's display); a deny rule for {@code qubes.ClipboardPaste} refuses a paste; the audit log has
 * sizes, never the text.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(240)
class ClipboardIT {
    /** What the domains' own clipboards are read with: the text, then a line that shows the read ran. */
    private static final String READ = "xclip -o -selection clipboard 2>/dev/null; echo; echo read-done";
    private static final Duration SETTLE = Duration.ofSeconds(2);

    private DesktopSession session;
    private TestDisplay host;
    private LiveDomains live;

    @BeforeAll
    void start(@TempDir java.nio.file.Path tmp) throws Exception {
        session = DesktopSession.withDisplay(tmp, """
                qubes.ClipboardPaste  *  personal  work  deny
                qubes.ClipboardPaste  +  @anyvm  @anyvm  allow
                """, "work", "personal");
        host = session.display();
        live = session.live();
    }

    @AfterAll
    void stop() throws Exception {
        if (session != null) {
            session.close();
        }
    }

    /** Takes {@code domain}'s CLIPBOARD selection with {@code text}, as its own application's Ctrl+C would. */
    private void select(String domain, String text) throws Exception {
        // On stdin: the text is in no command line, which the audit log records.
        LiveDomains.Result set = live.run(domain, text, "sh", "-c", "xclip -i -selection clipboard >/dev/null 2>&1; "
                + READ);
        assertThat(set.out()).as("control: %s's own clipboard has it (%s)", domain, set.err())
                .isEqualTo(text + "\nread-done\n");
    }

    private String clipboardOf(String domain) throws Exception {
        LiveDomains.Result r = live.sh(domain, READ);
        assertThat(r.out()).as("the read ran in %s: %s", domain, r.err()).endsWith("read-done\n");
        return r.out();
    }

    @Test
    void textMovesBetweenDomainsOnlyThroughCopyAndPasteAndIsAudited() throws Exception {
        String secret = "clip-" + UUID.randomUUID();
        select("work", secret);
        Thread.sleep(SETTLE.toMillis());
        assertThat(clipboardOf("personal")).as("no automatic sharing between domains").doesNotContain(secret);
        assertThat(host.clipboard().orElse("")).as("nor with the host").doesNotContain(secret);

        Commands.Result copy = session.airlock("clipboard", "copy", "work");
        assertThat(copy.code()).as(copy.err()).isZero();
        assertThat(copy.out()).isEqualTo("Copied " + secret.length() + " bytes of text from work into the host's "
                + "clipboard; paste with: airlock clipboard paste DOMAIN\n");
        Commands.Result show = session.airlock("clipboard", "show");
        assertThat(show.out()).isEqualTo(secret.length() + " bytes of text from work\n");
        assertThat(clipboardOf("personal")).as("a copy pastes nothing").doesNotContain(secret);

        Commands.Result paste = session.airlock("clipboard", "paste", "personal");
        assertThat(paste.code()).as(paste.err()).isZero();
        assertThat(paste.out()).contains("into personal's clipboard");
        // The paste returned while xclip went on serving the selection in the background.
        assertThat(clipboardOf("personal")).isEqualTo(secret + "\nread-done\n");
        assertThat(session.airlock("clipboard", "show").out()).isEqualTo("The host's clipboard is empty.\n");
        assertThat(host.clipboard().orElse("")).doesNotContain(secret);

        List<AuditLog.Entry> audit = new AuditLog(live.home().auditLog()).read(e -> "work".equals(e.source())
                && ("copied".equals(e.outcome()) || "qubes.ClipboardPaste".equals(e.service())));
        assertThat(audit).extracting(AuditLog.Entry::source, AuditLog.Entry::target, AuditLog.Entry::outcome)
                .contains(org.assertj.core.groups.Tuple.tuple("work", "dom0", "copied"),
                        org.assertj.core.groups.Tuple.tuple("work", "personal", "allow"));
        assertThat(audit).allSatisfy(e -> assertThat(e.detail()).contains(secret.length() + " bytes"));
        assertThat(Files.readString(live.home().auditLog())).doesNotContain(secret);
        for (Commands.Result r : List.of(copy, show, paste)) {
            assertThat(r.out() + r.err()).doesNotContain(secret);
        }
    }

    @Test
    void clipboardAtTheLimitPassesWholeAndOneByteMoreIsRefused() throws Exception {
        String atLimit = "a".repeat(256 * 1024 - 1) + "z";
        assertThat(live.run("work", atLimit, "sh", "-c", "xclip -i -selection clipboard >/dev/null 2>&1").code())
                .isZero();
        Commands.Result copy = session.airlock("clipboard", "copy", "work");
        assertThat(copy.code()).as(copy.err()).isZero();
        assertThat(copy.out()).startsWith("Copied 262144 bytes of text from work");
        assertThat(session.airlock("clipboard", "paste", "personal").code()).isZero();
        LiveDomains.Result pasted = live.sh("personal", "xclip -o -selection clipboard | md5sum");
        LiveDomains.Result sent = live.run("personal", atLimit, "md5sum");
        assertThat(pasted.out()).isEqualTo(sent.out()).isNotBlank();

        assertThat(live.run("work", atLimit + "!", "sh", "-c", "xclip -i -selection clipboard >/dev/null 2>&1")
                .code()).isZero();
        Commands.Result over = session.airlock("clipboard", "copy", "work");
        assertThat(over.code()).isEqualTo(1);
        assertThat(over.err()).isEqualTo("ERROR: work's clipboard holds more than 256 KiB, the most the clipboard "
                + "carries; nothing was copied (send bigger data as a file: qvm-copy)\n");
        assertThat(session.airlock("clipboard", "show").out()).isEqualTo("The host's clipboard is empty.\n");
    }

    @Test
    void stalledSelectionOwnerCannotHoldTheCopy() throws Exception {
        // An owner that never answers: xclip in the foreground (-quiet), stopped once it owns the selection.
        LiveDomains.Result stall = live.sh("work", "xclip -i -quiet -selection clipboard </dev/null >/dev/null 2>&1 &"
                + " echo $! > /tmp/stalled-owner; sleep 1; kill -STOP $(cat /tmp/stalled-owner); echo stopped");
        assertThat(stall.out()).as(stall.err()).isEqualTo("stopped\n");
        try {
            long t0 = System.nanoTime();
            Commands.Result copy = session.airlock("clipboard", "copy", "work");
            long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
            assertThat(copy.code()).isEqualTo(1);
            assertThat(copy.err()).isEqualTo("ERROR: work did not hand over its clipboard within 10 s; nothing was "
                    + "copied\n");
            assertThat(seconds).isBetween(10L, 30L);
        } finally {
            live.sh("work", "kill -KILL $(cat /tmp/stalled-owner)");
        }
        String after = "after-" + UUID.randomUUID();
        select("work", after);
        Commands.Result copy = session.airlock("clipboard", "copy", "work");
        assertThat(copy.code()).as("the next copy works: %s", copy.err()).isZero();
        session.airlock("clipboard", "clear");
    }

    @Test
    void denyRuleRefusesThePasteWithAClearMessage() throws Exception {
        String own = "own-" + UUID.randomUUID();
        String other = "other-" + UUID.randomUUID();
        select("work", own);
        select("personal", other);

        assertThat(session.airlock("clipboard", "copy", "personal").code()).isZero();
        Commands.Result paste = session.airlock("clipboard", "paste", "work");
        assertThat(paste.code()).isEqualTo(1);
        assertThat(paste.err()).isEqualTo("ERROR: pasting the clipboard from personal into work is refused by policy: "
                + "denied by 30-test.policy:1\n");
        assertThat(clipboardOf("work")).isEqualTo(own + "\nread-done\n");
        assertThat(new AuditLog(live.home().auditLog()).read(e -> "deny".equals(e.outcome())))
                .anySatisfy(e -> {
                    assertThat(e.source()).isEqualTo("personal");
                    assertThat(e.target()).isEqualTo("work");
                    assertThat(e.service()).isEqualTo("qubes.ClipboardPaste");
                    assertThat(e.detail()).contains(other.length() + " bytes of text from personal");
                });
        assertThat(Files.readString(live.home().auditLog())).doesNotContain(other);
        session.airlock("clipboard", "clear");
    }
}
