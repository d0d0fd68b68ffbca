package dev.airlock.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenInDvmCommandTest {

    @Test
    void runsQvmOpenInDvmInTheDomainWithThePathAsGiven() {
        assertThat(OpenInDvmCommand.parse("work:docs/report.pdf", false)).isEqualTo(
                new OpenInDvmCommand.Request("work", List.of("qvm-open-in-dvm", "docs/report.pdf")));
        assertThat(OpenInDvmCommand.parse("work:a:b c", true)).isEqualTo(
                new OpenInDvmCommand.Request("work", List.of("qvm-open-in-dvm", "--view-only", "a:b c")));
    }

    @Test
    void pathThatLooksLikeAnOptionStaysAPath() {
        assertThat(OpenInDvmCommand.parse("work:--view-only", false).argv())
                .containsExactly("qvm-open-in-dvm", "./--view-only");
    }

    @ParameterizedTest
    @ValueSource(strings = {"report.pdf", "work:", ":report.pdf", "1work:a", "wo rk:a", "dom0 :a"})
    void fileMustBeDomainColonPath(String file) {
        assertThatThrownBy(() -> OpenInDvmCommand.parse(file, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void badArgumentIsOneErrorLineNotAStackTrace() {
        // Not DOMAIN:PATH, so a file of this computer (issue 11): missing, it is one error line before any broker.
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "open-in-dvm",
                "no-such-report.pdf");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("ERROR: no such file: no-such-report.pdf\n");
    }

    @Test
    void helpNamesTheInDomainCommandAndTheExitCodes() {
        StringWriter out = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "open-in-dvm",
                "--help");
        assertThat(code).isZero();
        assertThat(out.toString()).contains("runs qvm-open-in-dvm PATH inside").contains("126")
                .contains("--view-only").contains("--dispvm").contains("file of this computer");
    }
}
