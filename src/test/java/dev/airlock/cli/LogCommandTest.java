package dev.airlock.cli;

import dev.airlock.broker.AuditLog;
import dev.airlock.broker.AuditLog.Entry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code airlock log}: the audit log read, filtered and shown safely. */
class LogCommandTest {
    @TempDir
    Path home;

    private final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    private record Run(int code, String out, String err) {
        List<String> lines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }
    }

    private Run log(String... args) {
        List<String> all = new ArrayList<>(List.of("log", "--home=" + home));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeEach
    void sample() throws IOException {
        AuditLog audit = new AuditLog(home.resolve("audit.jsonl"));
        audit.append(new Entry(now.minus(3, ChronoUnit.HOURS), "work", "personal", "qubes.Filecopy", "",
                "/etc/qubes/policy.d/30-user.policy:3", "allow", "allowed by rule"));
        audit.append(new Entry(now.minus(30, ChronoUnit.MINUTES), "work", "vault", "qubes.Filecopy", "",
                "/etc/qubes/policy.d/90-default.policy:7", "deny", "refused by policy: denied"));
        audit.append(new Entry(now.minus(5, ChronoUnit.MINUTES), "personal", "work", "test.Echo", "a1",
                null, "ask", "waiting for the user"));
        audit.append(new Entry(now.minus(1, ChronoUnit.MINUTES), "personal", null, null, null, null, "refused",
                "malformed request: bad name \"x\u001b[31mred\u0007\""));
    }

    @Test
    void showsEveryEntryOldestFirstInOneReadableLine() {
        Run r = log();
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.lines()).containsExactly(
                now.minus(3, ChronoUnit.HOURS) + "  work -> personal  qubes.Filecopy  allow  "
                        + "/etc/qubes/policy.d/30-user.policy:3  allowed by rule",
                now.minus(30, ChronoUnit.MINUTES) + "  work -> vault  qubes.Filecopy  deny  "
                        + "/etc/qubes/policy.d/90-default.policy:7  refused by policy: denied",
                now.minus(5, ChronoUnit.MINUTES) + "  personal -> work  test.Echo+a1  ask  -  waiting for the user",
                now.minus(1, ChronoUnit.MINUTES) + "  personal -> -  -  refused  -  malformed request: bad name "
                        + "\"x\\u001b[31mred\\u0007\"");
    }

    @Test
    void filtersCombine() {
        assertThat(log("--source", "work").lines()).hasSize(2);
        assertThat(log("--source", "work", "--target", "vault").lines()).singleElement().asString()
                .contains("work -> vault");
        assertThat(log("--service", "test.Echo").lines()).singleElement().asString().contains("test.Echo+a1");
        assertThat(log("--outcome", "deny").lines()).singleElement().asString().contains(" deny ");
        assertThat(log("--outcome", "allow", "--target", "vault").lines()).isEmpty();
    }

    @Test
    void sinceTakesRelativeAndIsoTimes() {
        assertThat(log("--since", "10m").lines()).hasSize(2);
        assertThat(log("--since", "1h").lines()).hasSize(3);
        assertThat(log("--since", "2d").lines()).hasSize(4);
        assertThat(log("--since", now.minus(31, ChronoUnit.MINUTES).toString()).lines()).hasSize(3);
        assertThat(AuditQuery.since("2026-11-22T05:00", now, ZoneOffset.ofHours(1)))
                .isEqualTo(Instant.parse("2026-11-22T04:00:00Z"));
        assertThat(AuditQuery.since("2026-11-22", now, ZoneId.of("UTC")))
                .isEqualTo(Instant.parse("2026-11-22T00:00:00Z"));
        assertThat(AuditQuery.since("2026-11-22T05:00:00+01:00", now, ZoneId.of("UTC")))
                .isEqualTo(Instant.parse("2026-11-22T04:00:00Z"));
        assertThatThrownBy(() -> AuditQuery.since("yesterday", now, ZoneId.of("UTC")))
                .hasMessageStartingWith("cannot read the time \"yesterday\"");
    }

    @Test
    void lastKeepsTheNewestMatches() {
        assertThat(log("--last", "1").lines()).singleElement().asString().contains("refused");
        assertThat(log("--source", "work", "--last", "1").lines()).singleElement().asString()
                .contains("work -> vault");
        assertThat(log("--last", "0").lines()).isEmpty();
    }

    @Test
    void jsonGivesTheLinesAsTheLogHoldsThem() throws IOException {
        List<String> written = Files.readAllLines(home.resolve("audit.jsonl"));
        assertThat(log("--json").lines()).isEqualTo(written);
        assertThat(log("--json", "--outcome", "ask").lines()).containsExactly(written.get(2));
        assertThat(written.get(3)).doesNotContain("\u001b").contains("\\u001B");
    }

    /**
     * JSON escapes only C0 controls: a C1 control (U+009B is CSI to xterm in UTF-8) or a bidi override in a
     * detail a domain influenced would reach the terminal of a user who runs {@code airlock log --json}.
     */
    @Test
    void jsonCannotCarryC1ControlsOrBidiOverridesToTheTerminal() throws IOException {
        new AuditLog(home.resolve("audit.jsonl")).append(new Entry(now, "work", "vault", "test.Ping", "", null,
                "failed", "cannot start target vault: \u009b2J\u202egpj.exe \uDB40\uDC01 caf\u00e9"));

        String shown = log("--json", "--last", "1").out();

        assertThat(shown.codePoints().filter(c -> c > 0x7e || c < 0x20 && c != '\n')).isEmpty();
        assertThat(shown).contains("\\u009B2J\\u202Egpj.exe");
        assertThat(new AuditLog(home.resolve("audit.jsonl")).last(1, e -> true).entries().getFirst().detail())
                .isEqualTo("cannot start target vault: \u009b2J\u202egpj.exe \uDB40\uDC01 caf\u00e9");
    }

    @Test
    void badArgumentsAreOneLineErrors() {
        Run r = log("--outcome", "maybe");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("ERROR: unknown outcome \"maybe\" (one of allow, ask, caller-gone, "
                + "cleared, copied, deny, destroyed, ended, failed, refused)\n");
        Run t = log("--since", "soon");
        assertThat(t.code()).isEqualTo(1);
        assertThat(t.err()).startsWith("ERROR: cannot read the time \"soon\"").doesNotContain("\n\t");
        assertThat(log("--last", "-1").err()).isEqualTo("ERROR: --last must not be negative\n");
    }

    @Test
    void readsTheRotatedFilesAndShowsAFoldedCount() throws IOException {
        Files.move(home.resolve("audit.jsonl"), home.resolve("audit.jsonl.1"));
        new AuditLog(home.resolve("audit.jsonl")).append(new Entry(now, "work", "vault", "test.Ping", "",
                "50-test.policy:1", "deny", "refused by policy", 120));
        assertThat(log().lines()).hasSize(5).last().asString()
                .isEqualTo(now + "  work -> vault  test.Ping  deny x120  50-test.policy:1  refused by policy");
        assertThat(log("--last", "2").lines()).hasSize(2).first().asString().contains("malformed request");
        assertThat(log("--json", "--last", "1").lines()).singleElement().asString().contains("\"count\":120");
    }

    @Test
    void noLogYetIsEmpty(@TempDir Path empty) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "log", "--home=" + empty);
        assertThat(code).isZero();
        assertThat(out.toString()).isEmpty();
    }
}
