package dev.airlock.display;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.sandbox.DomainDisplay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which domains get a display, and the folder their server's socket goes in. */
class DisplaysTest {

    @Test
    void withoutARecordedDesktopNoDomainGetsADisplay(@TempDir Path run) throws Exception {
        Path work = Files.createDirectories(run.resolve("domains/work"));
        assertThat(new Displays(run).prepare("work", null, work, OptionalInt.empty())).isEmpty();
        assertThat(work.resolve("display")).doesNotExist();
    }

    @Test
    void guiFalseGetsNoDisplayAndLosesWhatAnEarlierStartLeft(@TempDir Path run) throws Exception {
        desktop(run);
        Path work = Files.createDirectories(run.resolve("domains/work/display")).getParent();
        Files.writeString(work.resolve("display/xpra"), "left by the domain");
        assertThat(new Displays(run).prepare("work", false, work, OptionalInt.empty())).isEmpty();
        // A folder left behind would make an adopting broker wait for a server that never comes.
        assertThat(work.resolve("display")).doesNotExist();
    }

    @Test
    void staleOrPlantedSocketFolderContentIsGoneAtTheNextStart(@TempDir Path run) throws Exception {
        assumeTrue(Displays.xpra().isPresent(), "xpra is not installed");
        desktop(run);
        Path work = Files.createDirectories(run.resolve("domains/work/display")).getParent();
        Path other = Files.createDirectories(run.resolve("domains/bank/display"));
        Files.createSymbolicLink(work.resolve("display/xpra"), other.resolve("xpra"));
        Optional<DomainDisplay> d = new Displays(run).prepare("work", null, work, OptionalInt.empty());
        assertThat(d).isPresent();
        assertThat(d.get().folder()).isEqualTo(work.resolve("display").toAbsolutePath().normalize());
        assertThat(d.get().folder()).isEmptyDirectory();
        assertThat(Files.getPosixFilePermissions(d.get().folder()))
                .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void unsetGuiMeansWindowsWhenADesktopIsKnown(@TempDir Path run) throws Exception {
        assumeTrue(Displays.xpra().isPresent(), "xpra is not installed");
        desktop(run);
        Path work = Files.createDirectories(run.resolve("domains/work"));
        assertThat(new Displays(run).prepare("work", null, work, OptionalInt.empty())).isPresent();
        assertThat(new Displays(run).prepare("work", true, work, OptionalInt.empty())).isPresent();
    }

    private static void desktop(Path run) throws Exception {
        new Desktop(":0", Optional.empty(), 1000, 1000).save(run);
    }
}
