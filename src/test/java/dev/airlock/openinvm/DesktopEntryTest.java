package dev.airlock.openinvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.xdg.MalformedEntryException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A {@code .desktop} file used to open a file: what opening adds to the parser ({@code dev.airlock.xdg}, tested
 * there for quoting, escapes and hostile lines), and that the file's name is never interpreted.
 */
class DesktopEntryTest {
    private static DesktopEntry parse(String text) throws MalformedEntryException {
        return DesktopEntry.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    private static DesktopEntry entry(String exec) throws Exception {
        return parse("[Desktop Entry]\nType=Application\nName=X\nExec=" + exec + "\n");
    }

    @Test
    void fieldCodesBecomeTheFileOrDisappear() throws Exception {
        assertThat(entry("viewer %f").argvFor("/tmp/a.pdf")).containsExactly("viewer", "/tmp/a.pdf");
        assertThat(entry("viewer --new %U").argvFor("/tmp/a.pdf")).containsExactly("viewer", "--new", "/tmp/a.pdf");
        assertThat(entry("viewer --file=%u").argvFor("/tmp/a.pdf")).containsExactly("viewer", "--file=/tmp/a.pdf");
        assertThat(entry("viewer %i %c %k %F").argvFor("/f")).containsExactly("viewer", "/f");
        assertThat(entry("viewer --ratio=100%% %f").argvFor("/f")).containsExactly("viewer", "--ratio=100%", "/f");
    }

    @ParameterizedTest
    @ValueSource(strings = {"viewer", "viewer --x %i", "viewer %%f", "\"viewer %f\"", "viewer %f; rm -rf ~",
            "viewer %f %f"})
    void anApplicationThatWouldStartWithoutTheFileIsNotUsed(String exec) {
        assertThatThrownBy(() -> entry(exec)).isInstanceOf(MalformedEntryException.class);
    }

    @Test
    void onlyTheMainGroupCountsAndTerminalIsRead() throws Exception {
        DesktopEntry e = parse("""
                # comment
                [Desktop Entry]
                Type=Application
                Exec=less %f
                Exec[de]=rm -rf %f
                Terminal=true

                [Desktop Action new]
                Exec=rm -rf / %f
                """);
        assertThat(e.terminal()).isTrue();
        assertThat(e.argvFor("/f")).containsExactly("less", "/f");
    }

    @Test
    void shellMetacharactersInTheFileNameAreNeverInterpreted(@TempDir Path tmp) throws Exception {
        Path script = tmp.resolve("show-args");
        Files.writeString(script, "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\n");
        script.toFile().setExecutable(true);
        String hostile = tmp.resolve("a b;touch PWNED;$(touch PWNED2)`touch PWNED3`'\"|x.pdf").toString();
        List<String> argv = entry(script + " --open %f").argvFor(hostile);
        Process p = new ProcessBuilder(argv).directory(tmp.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(out).isEqualTo("[--open]\n[" + hostile + "]\n");
        List<String> left = new ArrayList<>();
        try (var s = Files.list(tmp)) {
            s.forEach(f -> left.add(f.getFileName().toString()));
        }
        assertThat(left).containsExactly("show-args");
    }
}
