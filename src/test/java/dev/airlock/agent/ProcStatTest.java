package dev.airlock.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Reading a process's state and group from its stat line, whose command a service chooses. */
class ProcStatTest {

    @Test
    void processOfTheGroupThatHasNotExitedRuns() {
        assertThat(ProcStat.running("42 (sleep) S 41 40 40 0 -1 4194560 90 0 0 0", 40)).isTrue();
        assertThat(ProcStat.running("42 (sleep) S 41 40 40 0 -1 4194560 90 0 0 0", 41)).isFalse();
    }

    @Test
    void zombieDoesNotRun() {
        assertThat(ProcStat.running("42 (sleep) Z 1 40 40 0 -1 4227084 96 0 1 0", 40)).isFalse();
    }

    @Test
    void commandNamedLikeStatFieldsCannotFakeItsGroup() {
        // A service renames itself (prctl PR_SET_NAME) to look like another group's zombie, or ours.
        assertThat(ProcStat.running("42 (x) Z 1 7 7 ) S 41 40 40 0 -1 0", 40)).isTrue();
        assertThat(ProcStat.running("42 (x) S 1 40 40 ) Z 41 7 7 0 -1 0", 40)).isFalse();
    }

    @Test
    void garbledLineIsNotARunningProcess() {
        assertThat(ProcStat.running("", 40)).isFalse();
        assertThat(ProcStat.running("42 (sleep", 40)).isFalse();
        assertThat(ProcStat.running("42 (sleep) S 41", 40)).isFalse();
        assertThat(ProcStat.running("42 (sleep) S 41 forty 40", 40)).isFalse();
    }

    @Test
    void thisTestsOwnGroupRunsAndAnUnusedOneDoesNot() throws Exception {
        String self = Files.readString(Path.of("/proc/self/stat"));
        long pgid = Long.parseLong(self.substring(self.lastIndexOf(')') + 1).strip().split(" ")[2]);
        assertThat(ProcStat.anyRunningIn(pgid)).isTrue();
        assertThat(ProcStat.anyRunningIn(Integer.MAX_VALUE - 1L)).isFalse();
    }
}
