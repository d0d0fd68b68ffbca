package dev.airlock.desktop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.LiveDomains;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Nautilus action as a person uses it, on a desktop: {@code airlock desktop install} in the person's home, then
 * the script Nautilus runs for "Open in disposable" on a host file: the disposable's viewer appears on the host
 * titled {@code [dispN] }, and what the person types there comes back into the file.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
class FileManagerActionDesktopIT {
    private static final Duration MAPPED = Duration.ofSeconds(40);
    private static final String VIEWER = """
            #!/bin/sh
            exec xterm -T viewer -geometry 50x6+0+0 -e sh -c 'cat "$1"; IFS= read -r line; chmod u+w "$1"; \
            printf %s "$line" >> "$1"' viewer "$1"
            """;
    private static final String DESKTOP_ENTRY = """
            [Desktop Entry]
            Type=Application
            Name=Text viewer
            Exec=sh /home/user/.local/bin/textviewer %f
            MimeType=text/plain;
            Terminal=false
            """;

    private DesktopSession session;
    private TestDisplay host;
    private Path tmp;
    private Path person;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        this.tmp = tmp;
        session = DesktopSession.withDisplay(tmp, "", "default-dvm");
        host = session.display();
        LiveDomains.Result setup = session.live().sh("default-dvm", """
                mkdir -p .local/bin .local/share/applications
                cat > .local/bin/textviewer <<'EOF'
                %sEOF
                cat > .local/share/applications/textviewer.desktop <<'EOF'
                %sEOF
                xdg-mime default textviewer.desktop text/plain && xdg-mime query default text/plain
                """.formatted(VIEWER, DESKTOP_ENTRY));
        assertThat(setup.out().strip()).as(setup.err()).isEqualTo("textviewer.desktop");
        assertThat(session.airlock("shutdown", "default-dvm").code()).isZero();
        assertThat(session.airlock("prefs", "default-dvm", "template_for_dispvms", "true").code()).isZero();
        assertThat(session.airlock("prefs", "--global", "default_dispvm", "default-dvm").code()).isZero();
        person = Files.createDirectories(tmp.resolve("person"));
    }

    @AfterAll
    void stop() throws Exception {
        if (session != null) {
            session.close();
        }
    }

    /** {@code argv} run in {@code dir} as the person's desktop runs it: their home and the session's display. */
    private ProcessBuilder asPerson(Path dir, List<String> argv) {
        ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("XDG_") || k.equals("AIRLOCK_LAUNCHER"));
        env.putAll(host.environment());
        env.put("HOME", person.toString());
        env.put("AIRLOCK_HOME", session.live().airlock().environment().get("AIRLOCK_HOME"));
        env.put("AIRLOCK_CONFIG", session.live().airlock().environment().get("AIRLOCK_CONFIG"));
        return pb;
    }

    @Test
    void theNautilusScriptShowsTheHostFileInADisposableViewerAndTheEditComesBack() throws Exception {
        ProcessBuilder install = asPerson(tmp, session.live().airlock("desktop", "install").command());
        Commands.Result installed = Commands.run(install.command(), install.environment(), Duration.ofSeconds(90));
        assertThat(installed.code()).as(installed.err()).isZero();
        Path script = person.resolve(".local/share/nautilus/scripts/Open in disposable");
        assertThat(installed.out()).contains("wrote " + script);

        Path folder = Files.createDirectories(tmp.resolve("Downloads"));
        Path file = Files.writeString(folder.resolve("the report.txt"), "report\n");
        Process action = asPerson(folder, List.of(script.toString(), "the report.txt"))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("action.log").toFile()).start();
        Optional<Long> viewer = host.awaitWindow("^\\[disp[0-9]+\\] viewer$", MAPPED);
        assertThat(viewer).as("the viewer on the host display; the action said: %s",
                Files.readString(tmp.resolve("action.log"))).isPresent();
        host.activate(viewer.get());
        host.type("typed-in-disposable");
        host.key("Return");
        assertThat(action.waitFor(60, TimeUnit.SECONDS)).as("the action ends with the viewer").isTrue();
        assertThat(action.exitValue()).as(Files.readString(tmp.resolve("action.log"))).isZero();
        assertThat(Files.readString(file)).isEqualTo("report\ntyped-in-disposable");
    }
}
