package dev.airlock.dialog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.display.Desktop;
import dev.airlock.domain.Label;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DialogLauncherTest {
    private static final Question QUESTION = new Question("work", Label.RED, "qubes.Filecopy", "", "@default",
            List.of(new Question.Choice("personal", Label.BLUE)), "personal", 60);

    @Test
    void withoutARecordedDesktopNoDialogIsShown(@TempDir Path run) {
        DialogLauncher l = new DialogLauncher(run, run, run);
        assertThat(l.show(QUESTION, a -> { })).isEmpty();
    }

    @Test
    void withoutTheJarNoDialogIsShownAndNothingIsLeft(@TempDir Path run) throws Exception {
        new Desktop(":0", Optional.empty(), 1000, 1000).save(run);
        DialogLauncher l = new DialogLauncher(run, run.resolve("no-install"), run);
        assertThat(l.show(QUESTION, a -> { })).isEmpty();
        assertThat(run.resolve("dialogs")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(),
                p -> assertThat(Files.list(p)).isEmpty());
    }

    @Test
    void dialogGetsNothingOfTheBrokersEnvironmentAndTheQuestionNeverOnItsCommandLine() {
        Desktop desktop = new Desktop(":3", Optional.of(Path.of("/home/alice/.Xauthority")), 1000, 1000);
        assertThat(DialogLauncher.environment(desktop, Path.of("/run/dialogs/1")))
                .containsOnlyKeys("PATH", "LANG", "DISPLAY", "XAUTHORITY", "HOME")
                .containsEntry("DISPLAY", ":3").containsEntry("HOME", "/run/dialogs/1");
        List<String> argv = new DialogLauncher(Path.of("/run"), Path.of("/opt/airlock"), Path.of("/jdk"))
                .command(desktop, Path.of("/run/dialogs/1"), Path.of("/opt/airlock/airlock.jar"));
        assertThat(argv).contains("/jdk/bin/java", "-cp", "/opt/airlock/airlock.jar", DialogMain.class.getName())
                .noneMatch(a -> a.contains("work") || a.contains("personal"));
    }
}
