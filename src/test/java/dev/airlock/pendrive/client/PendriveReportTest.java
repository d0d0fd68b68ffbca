package dev.airlock.pendrive.client;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The report a receiving domain writes about a pendrive: a hostile image's names are in it, shown elsewhere. */
class PendriveReportTest {

    @Test
    void namesFromAHostileImageCannotCarryTerminalEscapesOrBidiControlsIntoTheReport() {
        String report = IncomingPendrives.printable("refused x\u001b]0;owned\u0007 invoice-\u202efdp.exe \u2066a\u2069"
                + " \u009b2J caf\u00e9");
        assertThat(report).isEqualTo("refused x?]0;owned? invoice-?fdp.exe ?a? ?2J caf\u00e9");
    }

    @Test
    void reportIsCutAtAThousandCharacters() {
        assertThat(IncomingPendrives.printable("a".repeat(5000))).hasSize(1000);
    }
}
