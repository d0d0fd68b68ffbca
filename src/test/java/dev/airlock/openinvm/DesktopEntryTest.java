package dev.airlock.openinvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

/** The {@code Exec} line of a {@code .desktop} file: quoting, field codes, and the lines that must be refused. */
class DesktopEntryTest {
    private static DesktopEntry entry(String exec) throws Exception {
        return DesktopEntry.parse("[Desktop Entry]\nType=Application\nName=X\nExec=" + exec + "\n");
    }

    @Test
    void fieldCodesBecomeTheFileOrDisappear() throws Exception {
        assertThat(entry("viewer %f").argvFor("/tmp/a.pdf")).containsExactly("viewer", "/tmp/a.pdf");
        assertThat(entry("viewer --new %U").argvFor("/tmp/a.pdf")).containsExactly("viewer", "--new", "/tmp/a.pdf");
        assertThat(entry("viewer --file=%u").argvFor("/tmp/a.pdf")).containsExactly("viewer", "--file=/tmp/a.pdf");
        assertThat(entry("viewer %i %c %k %F").argvFor("/f")).containsExactly("viewer", "/f");
        assertThat(entry("viewer --ratio=100%% %f").argvFor("/f")).containsExactly("viewer", "--ratio=100%", "/f");
    }

    @Test
    void quotedArgumentsKeepTheirSpacesAndEscapes() throws Exception {
        assertThat(entry("\"/opt/My App/run\" \"a \\\\\"b\\\\\" \\\\$HOME\" %f").argvFor("/f"))
                .containsExactly("/opt/My App/run", "a \"b\" $HOME", "/f");
        assertThat(entry("sh -c \"exec viewer \\\\\"\\\\$1\\\\\"\" sh %f").argvFor("/f"))
                .containsExactly("sh", "-c", "exec viewer \"$1\"", "sh", "/f");
        assertThat(entry("\"a\\sb\" %f").argvFor("/f")).containsExactly("a b", "/f");
    }

    @ParameterizedTest
    @ValueSource(strings = {"viewer %f; rm -rf ~", "viewer %f | tee /tmp/x", "viewer $(id) %f", "viewer `id` %f",
            "viewer %f > /tmp/out", "viewer ~/x %f", "viewer %f &", "viewer 'quoted' %f", "viewer *.pdf %f",
            "\"viewer %f\"", "viewer \"--a=%f\"", "viewer %f %f", "viewer %f %U", "viewer", "viewer --x=%F",
            "viewer %z %f", "%f", "viewer \"unterminated %f", "viewer \"a\"b %f", "viewer \"a `id`\" %f",
            "viewer \"a $HOME\" %f", "viewer \\q %f", "viewer %", ""})
    void hostileOrMalformedExecLinesAreRefused(String exec) {
        assertThatThrownBy(() -> entry(exec)).isInstanceOf(DesktopEntry.MalformedEntryException.class);
    }

    @Test
    void entriesThatAreNoRunnableApplicationAreRefused() {
        for (String text : List.of("[Desktop Entry]\nType=Link\nExec=viewer %f\n",
                "[Desktop Entry]\nType=Application\nExec=viewer %f\nHidden=true\n",
                "[Desktop Entry]\nType=Application\nExec=a %f\nExec=b %f\n",
                "[Other]\nType=Application\nExec=viewer %f\n",
                "[Desktop Entry]\nType=Application\nTerminal=maybe\nExec=viewer %f\n",
                "[Desktop Entry]\nType=Application\nExec=viewer\u0007 %f\n",
                "[Desktop Entry]\nType=Application\nExec=viewer %f\n" + "#".repeat(DesktopEntry.MAX_BYTES))) {
            assertThatThrownBy(() -> DesktopEntry.parse(text)).as(text.substring(0, Math.min(60, text.length())))
                    .isInstanceOf(DesktopEntry.MalformedEntryException.class);
        }
    }

    @Test
    void onlyTheMainGroupCountsAndTerminalIsRead() throws Exception {
        DesktopEntry e = DesktopEntry.parse("""
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
