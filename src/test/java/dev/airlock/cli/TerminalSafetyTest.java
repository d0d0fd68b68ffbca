package dev.airlock.cli;

import dev.airlock.broker.AuditLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Names with terminal escapes or right-to-left tricks, as a sending domain can plant them with allow-all-names,
 * reach the user's terminal only escaped: in an error line, in {@code airlock log}, and in another domain's
 * messages passed on.
 */
class TerminalSafetyTest {
    private static final String HOSTILE = "x\u001b]0;owned\u0007\u202efdp.exe";

    @Test
    void hostileFileNameInAnErrorLineIsShownEscaped(@TempDir Path tmp) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "copy-local", "--progress=none",
                tmp.resolve(HOSTILE).toString(), tmp.resolve("d").toString());
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).startsWith("ERROR: ").contains("x\\u001b]0;owned\\u0007\\u202efdp.exe")
                .doesNotContain("\u001b").doesNotContain("\u0007").doesNotContain("\u202e");
    }

    @Test
    void hostileNameInTheAuditLogIsShownEscaped() {
        String line = LogCommand.line(new AuditLog.Entry(Instant.parse("2026-01-02T03:04:05Z"), "work", "personal",
                "qubes.Filecopy", "allow-all-names", null, "allow", "last file " + HOSTILE + "\u2066\u061c"));
        assertThat(line).endsWith("last file x\\u001b]0;owned\\u0007\\u202efdp.exe\\u2066\\u061c")
                .doesNotContain("\u001b").doesNotContain("\u202e").doesNotContain("\u2066");
    }

    @Test
    void anotherDomainsMessagesCannotCarryC1OrBidiControlsEvenSplitAcrossWrites() throws IOException {
        byte[] in = ("ok \u009b2J \u202efdp.exe \u2067x\u2069 caf\u00e9 \u5831\u544a\n")
                .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (TerminalSafeOutput out = new TerminalSafeOutput(sink)) {
            for (byte b : in) {
                out.write(new byte[] {b});
            }
        }
        assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("ok ?2J ?fdp.exe ?x? caf\u00e9 \u5831\u544a\n");
    }

    @Test
    void anotherDomainsMessagesCannotSmuggleControlsAsOverlongOrBrokenUtf8() throws IOException {
        // ESC and CSI in over-long forms, a lone continuation byte, a surrogate, and a character cut off at the end.
        byte[] in = {'a', (byte) 0xc0, (byte) 0x9b, 'b', (byte) 0xe0, (byte) 0x82, (byte) 0x9b, 'c', (byte) 0x80,
                'd', (byte) 0xed, (byte) 0xa0, (byte) 0x80, 'e', (byte) 0xe2, (byte) 0x80};
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (TerminalSafeOutput out = new TerminalSafeOutput(sink)) {
            out.write(in);
        }
        assertThat(sink.toString(StandardCharsets.US_ASCII)).isEqualTo("a??b?c?d?e?");
    }
}
