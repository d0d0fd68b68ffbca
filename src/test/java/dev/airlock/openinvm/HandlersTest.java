package dev.airlock.openinvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HandlersTest {
    @TempDir
    Path home;

    private Path file() throws Exception {
        return Files.writeString(home.resolve("a.txt"), "hello\n");
    }

    private void configured() throws Exception {
        Path h = home.resolve(Handlers.CONFIGURED);
        Files.createDirectories(h.getParent());
        Files.writeString(h, "#!/bin/sh\n");
        Files.setPosixFilePermissions(h, PosixFilePermissions.fromString("rwx------"));
    }

    private Handlers handlers(Map<String, String> env) {
        return new Handlers(home, List.of(home.resolve(".mailcap")), f -> Optional.of("text/plain"), env);
    }

    @Test
    void mailcapEntryForTheTypeComesBeforeEditor() throws Exception {
        // Issue 11: the domain's own open-handler now comes first (HandlerChainTest); mailcap still beats $EDITOR.
        Files.writeString(home.resolve(".mailcap"), "text/plain; my-editor %s\n");
        Path f = file();
        var h = handlers(Map.of("EDITOR", "vi")).choose(f).orElseThrow();
        assertThat(h.argv()).containsExactly("/bin/sh", "-c", "my-editor '" + f + "'");
        assertThat(h.origin()).contains("text/plain entry of " + home.resolve(".mailcap"));
    }

    @Test
    void configuredHandlerComesBeforeEditor() throws Exception {
        Files.writeString(home.resolve(".mailcap"), "image/png; viewer %s\n");
        configured();
        Path f = file();
        assertThat(handlers(Map.of("EDITOR", "vi")).choose(f).orElseThrow().argv())
                .containsExactly(home.resolve(Handlers.CONFIGURED).toString(), f.toString());
    }

    @Test
    void editorWithOptionsIsTheLastResort() throws Exception {
        Path f = file();
        assertThat(handlers(Map.of("EDITOR", "emacs -nw")).choose(f).orElseThrow().argv())
                .containsExactly("/bin/sh", "-c", "emacs -nw \"$1\"", "sh", f.toString());
        assertThat(handlers(Map.of()).choose(f)).isEmpty();
    }

    @Test
    void typeFromADetectorThatIsNotAMimeTypeIsIgnored() throws Exception {
        Files.writeString(home.resolve(".mailcap"), "*; anything %s\n");
        Handlers h = new Handlers(home, List.of(home.resolve(".mailcap")), f -> Optional.of("*; rm -rf ~"),
                Map.of());
        assertThat(h.choose(file())).isEmpty();
    }

    @Test
    void realDetectorTellsPlainText() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/file")) || Files.isRegularFile(Path.of("/etc/mime.types")),
                "neither file(1) nor /etc/mime.types is installed");
        assertThat(Handlers.detectMimeType(file())).contains("text/plain");
    }

    @Test
    void domainSettingsFileSetsTimeoutAndLimit() throws Exception {
        Path s = home.resolve(FileEditor.SETTINGS);
        Files.createDirectories(s.getParent());
        Files.writeString(s, "handler-timeout = 1\nmax-bytes = 10\n");
        configured();
        Files.writeString(home.resolve(Handlers.CONFIGURED), "#!/bin/sh\nsleep 30\n");
        FileEditor editor = FileEditor.forDomain(home, Map.of());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        byte[] field = NameField.encode("a.txt".getBytes(), false);
        assertThat(editor.serve(new ByteArrayInputStream(concat(field, new byte[11])),
                OutputStream.nullOutputStream(), err)).isEqualTo(1);
        assertThat(err.toString()).contains("larger than 10 bytes");
        err.reset();
        long start = System.nanoTime();
        assertThat(editor.serve(new ByteArrayInputStream(concat(field, new byte[10])),
                OutputStream.nullOutputStream(), err)).isEqualTo(1);
        assertThat(err.toString()).contains("did not finish within 1 s");
        assertThat(System.nanoTime() - start).isLessThan(20_000_000_000L);
    }

    @Test
    void badSettingIsAClearError() throws Exception {
        Path s = home.resolve(FileEditor.SETTINGS);
        Files.createDirectories(s.getParent());
        Files.writeString(s, "handler-timeout=soon\n");
        assertThatThrownBy(() -> FileEditor.forDomain(home, Map.of()))
                .hasMessageContaining("handler-timeout must be a whole number above 0, not 'soon'");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
