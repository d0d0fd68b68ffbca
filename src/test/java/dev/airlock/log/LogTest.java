package dev.airlock.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LogTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final System.Logger log = Log.of("airlock", () -> out);

    private String written() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aMessageIsOneLineWithItsPrefix() {
        log.log(Level.WARNING, "cannot write the audit log: disk full");

        assertThat(written()).isEqualTo("airlock: cannot write the audit log: disk full" + System.lineSeparator());
    }

    @Test
    void aDomainsTextCannotForgeALineOrHideTextInTheLog() {
        String named = "work\nairlock: stopped the sandbox of domain vault\u001b[2K\u202e";

        log.log(Level.WARNING, "cannot remove disposable " + named);

        assertThat(written().lines()).containsExactly("airlock: cannot remove disposable "
                + "work\\u000aairlock: stopped the sandbox of domain vault\\u001b[2K\\u202e");
    }

    @Test
    void debugMessagesAreNotWritten() {
        log.log(Level.DEBUG, "detail");
        log.log(Level.TRACE, "more detail");

        assertThat(written()).isEmpty();
        assertThat(log.isLoggable(Level.INFO)).isTrue();
    }

    @Test
    void parametersAreFormattedIntoTheLine() {
        log.log(Level.INFO, "domain {0} started", "work");

        assertThat(written()).isEqualTo("airlock: domain work started" + System.lineSeparator());
    }
}
