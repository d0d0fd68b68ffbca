package dev.airlock.display;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.domain.Label;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The host client's flags: every display rule is enforced here, since the domain owns its server. */
class XpraClientTest {
    private static final List<String> ARGV = XpraClient.argv(Path.of("/usr/bin/xpra"),
            Path.of("/srv/test-home/run/display-clients/work/xpra"), "work", Label.RED);

    @Test
    void everyWindowOfTheDomainCarriesItsNameAndColour() {
        assertThat(ARGV).contains("--title=[work] @title@", "--border=#cc0000,5");
    }

    @Test
    void domainCannotReadOrFillTheClipboardOrReachHostServices() {
        assertThat(ARGV).contains("--clipboard=no", "--printing=no", "--file-transfer=no", "--open-files=no",
                "--open-url=no", "--notifications=no", "--speaker=off", "--microphone=off", "--webcam=no",
                "--tray=no", "--system-tray=no", "--mmap=no");
    }

    @Test
    void hostDecodesOnlySimplePictures() {
        assertThat(ARGV).contains("--encodings=rgb,png", "--video-decoders=none", "--csc-modules=none",
                "--opengl=no");
    }

    @Test
    void clientIsGivenTheHostPrivateSocketNotTheDomainsPath() {
        assertThat(ARGV.get(2)).isEqualTo("socket:/srv/test-home/run/display-clients/work/xpra");
        assertThat(String.join(" ", ARGV)).doesNotContain("run/domains");
    }

    @Test
    void clientRunsAsTheDesktopUserWithNothingOfTheBrokersEnvironment() {
        Desktop desktop = new Desktop(":0", Optional.of(Path.of("/home/alice/.Xauthority")), 1000, 1000);
        assertThat(desktop.asUser(ARGV)).startsWith("/usr/bin/setpriv", "--reuid=1000",
                "--regid=1000", "--clear-groups", "--", "/usr/bin/xpra");
        Map<String, String> env = XpraClient.environment(desktop, Path.of("/p"), Path.of("/conf"));
        assertThat(env).containsOnlyKeys("PATH", "LANG", "DISPLAY", "XAUTHORITY", "HOME", "XDG_RUNTIME_DIR",
                "XPRA_SYSTEM_CONF_DIRS", "XPRA_USER_CONF_DIRS");
        assertThat(env).containsEntry("XPRA_SYSTEM_CONF_DIRS", "/conf").containsEntry("DISPLAY", ":0");
    }
}
