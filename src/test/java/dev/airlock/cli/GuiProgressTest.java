package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The progress window's life, with a script in zenity's place that behaves as zenity does (the real one on a real
 * display: GuiProgressIT): shown only for a copy that lasts, fed percent and text, and its Cancel, only its Cancel,
 * stops the copy.
 */
@Timeout(20)
class GuiProgressTest {
    /** A zenity that records its arguments and input in {@code folder}, then ends as {@code ending} says. */
    private static List<String> zenity(Path folder, String ending) throws Exception {
        Path script = folder.resolve("zenity");
        Files.writeString(script, "#!/bin/sh\necho \"$@\" > " + folder.resolve("args") + "\n" + ending + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return List.of(script.toString());
    }

    private static void awaitFile(Path p) throws InterruptedException {
        while (!Files.exists(p)) {
            Thread.sleep(20);
        }
    }

    @Test
    void copyShorterThanASecondShowsNoWindow(@TempDir Path tmp) throws Exception {
        GuiProgress p = new GuiProgress("Copying files to vault", zenity(tmp, "cat >/dev/null"));
        p.start(100);
        p.sent(100);
        p.finish(true);
        Thread.sleep(GuiProgress.DELAY_MILLIS + 500);
        assertThat(tmp.resolve("args")).doesNotExist();
        assertThat(p.cancelled()).isFalse();
    }

    @Test
    void cancelInTheWindowStopsTheCopy(@TempDir Path tmp) throws Exception {
        // zenity prints nothing and exits with 1 when Cancel is pressed.
        GuiProgress p = new GuiProgress("Copying files to vault", zenity(tmp,
                "head -n 2 > " + tmp.resolve("fed") + "; exit 1"));
        p.start(4L << 20);
        awaitFile(tmp.resolve("args"));
        assertThat(Files.readString(tmp.resolve("args"))).contains("--progress --title=Copying files to vault")
                .contains("--percentage=0");
        p.sent(2L << 20);
        while (!p.cancelled()) {
            Thread.sleep(20);
        }
        assertThat(Files.readString(tmp.resolve("fed"))).isEqualTo("50\n# 2.0 MiB of 4.0 MiB\n");
        p.finish(false);
    }

    @Test
    void windowThatCannotOpenIsNotACancel(@TempDir Path tmp) throws Exception {
        GuiProgress p = new GuiProgress("Copying files", zenity(tmp,
                "echo '(zenity:1): Gtk-WARNING **: cannot open display: :9' >&2; touch " + tmp.resolve("gone")
                        + "; exit 1"));
        p.start(100);
        awaitFile(tmp.resolve("gone"));
        Thread.sleep(300);
        assertThat(p.cancelled()).isFalse();
        p.finish(true);
    }

    @Test
    void windowClosedByTheEndOfTheCopyIsNotACancel(@TempDir Path tmp) throws Exception {
        GuiProgress p = new GuiProgress("Copying files", zenity(tmp, "cat >/dev/null; exit 1"));
        p.start(100);
        awaitFile(tmp.resolve("args"));
        p.finish(true);
        Thread.sleep(300);
        assertThat(p.cancelled()).isFalse();
    }
}
