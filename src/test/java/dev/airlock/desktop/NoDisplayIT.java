package dev.airlock.desktop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A machine without a display (a server, CI, an ssh session): domains run as they did, and no xpra starts. */
@Timeout(120)
class NoDisplayIT {

    @Test
    void noDisplayBehavesAsToday(@TempDir Path tmp) throws Exception {
        try (DesktopSession session = DesktopSession.withoutDisplay(tmp, "", "work")) {
            Commands.Result ran = session.airlock("run", "work", "--", "true");
            assertThat(ran.code()).as(ran.err()).isZero();
            Commands.Result env = session.airlock("run", "work", "--", "sh", "-c", "echo \"display=${DISPLAY-none}\"");
            assertThat(env.code()).as(env.err()).isZero();
            assertThat(env.out().strip()).isEqualTo("display=none");
            assertThat(session.live().running()).containsExactly("work");
            assertThat(DesktopSession.processUnder(session.brokerPid(), "xpra")).isEmpty();
            Commands.Result ls = session.airlock("ls");
            assertThat(ls.code()).as(ls.err()).isZero();
            assertThat(ls.out()).contains("work");
        }
    }

    @Test
    void clipboardOfADomainWithoutDisplayIsAClearError(@TempDir Path tmp) throws Exception {
        try (DesktopSession session = DesktopSession.withoutDisplay(tmp, "", "work")) {
            Commands.Result halted = session.airlock("clipboard", "copy", "work");
            assertThat(halted.code()).isEqualTo(1);
            assertThat(halted.err()).startsWith("ERROR: work is not running").doesNotContain("\tat ");
            assertThat(session.airlock("run", "work", "--", "true").code()).isZero();

            Commands.Result copy = session.airlock("clipboard", "copy", "work");
            assertThat(copy.code()).isEqualTo(1);
            assertThat(copy.err()).isEqualTo("ERROR: work has no display (a domain with gui off, or a broker started "
                    + "without a desktop): the clipboard is a gui domain's; nothing was copied\n");
        }
    }
}
