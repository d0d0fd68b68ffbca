package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code qvm-open-in-vm} and {@code qvm-open-in-dvm} as a user meets them outside the sandbox. */
class OpenInVmCommandTest {
    private static InProcess run(String... args) {
        return InProcess.run(args);
    }

    @Test
    void helpNamesTheQubesUsage() {
        InProcess vm = run("qvm-open-in-vm", "--help");
        assertThat(vm.code()).isZero();
        assertThat(vm.out()).contains("qvm-open-in-vm [-hV] [--view-only] [--max-bytes=SIZE] DEST FILE");
        InProcess dvm = run("qvm-open-in-dvm", "--help");
        assertThat(dvm.code()).isZero();
        assertThat(dvm.out()).contains("[--view-only]").contains("FILE").contains("disposable");
    }

    @Test
    void badUsageExitsTwo() {
        for (String[] args : List.of(new String[] {"qvm-open-in-vm", "only-dest"},
                new String[] {"qvm-open-in-dvm"},
                new String[] {"qvm-open-in-dvm", "--max-bytes", "lots", "f"})) {
            InProcess r = run(args);
            assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err()).startsWith("ERROR: ").contains("Usage:");
        }
    }

    @Test
    void viewOnlyOrReplyLimitIsNotSilentlyDroppedForThePendrivePath() {
        for (String[] args : List.of(new String[] {"qvm-open-in-dvm", "--pendrive", "--view-only", "/etc/hostname"},
                new String[] {"qvm-open-in-dvm", "--pendrive", "--max-bytes", "1M", "/etc/hostname"})) {
            InProcess r = run(args);
            assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err()).startsWith("ERROR: --pendrive cannot be combined with " + args[2]).contains("Usage:");
        }
    }

    @Test
    void outsideADomainItIsOneClearError() {
        InProcess r = run("qvm-open-in-dvm", "/etc/hostname");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("ERROR: not inside an airlock domain").doesNotContain("\tat ");
    }

    @Test
    void messagesFromTheOtherDomainCannotDriveTheTerminal() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (TerminalSafeOutput out = new TerminalSafeOutput(sink)) {
            out.write("ok\n\u001b[2J\rtab\t\u007f".getBytes(StandardCharsets.UTF_8));
            out.write(new byte[TerminalSafeOutput.MAX]);
        }
        assertThat(sink.size()).isEqualTo(TerminalSafeOutput.MAX);
        assertThat(new String(sink.toByteArray(), 0, 13, StandardCharsets.UTF_8)).isEqualTo("ok\n?[2J?tab\t?");
    }
}
