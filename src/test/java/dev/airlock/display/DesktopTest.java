package dev.airlock.display;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code airlock up} records of the desktop, and who runs the host clients. */
class DesktopTest {
    private static final List<String> PASSWD = List.of("root:x:0:0:root:/root:/bin/bash",
            "alice:x:1000:1000:Alice:/home/alice:/bin/bash");

    @Test
    void plainRootWithoutADesktopUserShowsNoWindowsRatherThanRunTheClientAsRoot() {
        Desktop.Found f = Desktop.from(Map.of("DISPLAY", ":0"), 0, 0, PASSWD);
        assertThat(f).isInstanceOf(Desktop.Refused.class);
        assertThat(((Desktop.Refused) f).message()).contains("root").contains("AIRLOCK_DESKTOP_USER");
    }

    @Test
    void desktopUserNamedRootIsRefused() {
        assertThat(Desktop.from(Map.of("DISPLAY", ":0", "AIRLOCK_DESKTOP_USER", "root"), 0, 0, PASSWD))
                .isInstanceOf(Desktop.Refused.class);
        assertThat(Desktop.from(Map.of("DISPLAY", ":0", "AIRLOCK_DESKTOP_USER", "0"), 0, 0, PASSWD))
                .isInstanceOf(Desktop.Refused.class);
        assertThat(Desktop.from(Map.of("DISPLAY", ":0", "SUDO_UID", "0", "SUDO_GID", "0"), 0, 0, PASSWD))
                .isInstanceOf(Desktop.Refused.class);
    }

    @Test
    void rootThroughSudoShowsWindowsAsTheUserWhoRanSudo() {
        assertThat(Desktop.from(Map.of("DISPLAY", ":1", "XAUTHORITY", "/home/alice/.Xauthority", "SUDO_UID", "1000",
                "SUDO_GID", "1000"), 0, 0, PASSWD)).isEqualTo(new Desktop.Known(
                new Desktop(":1", Optional.of(Path.of("/home/alice/.Xauthority")), 1000, 1000)));
    }

    @Test
    void desktopUserByNameOrUid() {
        assertThat(Desktop.from(Map.of("AIRLOCK_DISPLAY", ":2", "DISPLAY", ":0", "AIRLOCK_DESKTOP_USER", "alice"),
                0, 0, PASSWD)).isEqualTo(new Desktop.Known(new Desktop(":2", Optional.empty(), 1000, 1000)));
        assertThat(Desktop.from(Map.of("DISPLAY", ":0", "AIRLOCK_DESKTOP_USER", "60998"), 0, 0, PASSWD))
                .isEqualTo(new Desktop.Known(new Desktop(":0", Optional.empty(), 60998, 60998)));
        assertThat(Desktop.from(Map.of("DISPLAY", ":0", "AIRLOCK_DESKTOP_USER", "mallory"), 0, 0, PASSWD))
                .isInstanceOf(Desktop.Refused.class);
    }

    @Test
    void plainUserCannotNameAnotherDesktopUser() {
        assertThat(Desktop.from(Map.of("DISPLAY", ":0", "AIRLOCK_DESKTOP_USER", "60998"), 1000, 1000, PASSWD))
                .isInstanceOf(Desktop.Refused.class);
        assertThat(Desktop.from(Map.of("DISPLAY", ":0"), 1000, 1000, PASSWD))
                .isEqualTo(new Desktop.Known(new Desktop(":0", Optional.empty(), 1000, 1000)));
    }

    @Test
    void remoteDisplayIsRefusedAndNoDisplayIsNoDesktop() {
        assertThat(Desktop.from(Map.of("DISPLAY", "evil.example:0"), 1000, 1000, PASSWD))
                .isInstanceOf(Desktop.Refused.class);
        assertThat(Desktop.from(Map.of(), 1000, 1000, PASSWD)).isInstanceOf(Desktop.Absent.class);
        assertThat(Desktop.from(Map.of("WAYLAND_DISPLAY", "wayland-0"), 1000, 1000, PASSWD))
                .isInstanceOf(Desktop.Refused.class);
    }

    @Test
    void withoutXauthorityTheDesktopUsersOwnCookieFileIsNamed(@TempDir Path home) throws Exception {
        Files.writeString(home.resolve(".Xauthority"), "cookie");
        List<String> passwd = List.of("bob:x:1001:1001:Bob:" + home + ":/bin/sh");
        assertThat(Desktop.from(Map.of("DISPLAY", ":0", "SUDO_UID", "1001", "SUDO_GID", "1001"), 0, 0, passwd))
                .isEqualTo(new Desktop.Known(new Desktop(":0", Optional.of(home.resolve(".Xauthority")), 1001,
                        1001)));
    }

    @Test
    void recordSurvivesARestartedBroker(@TempDir Path run) throws Exception {
        Desktop d = new Desktop(":0", Optional.of(Path.of("/run/user/1000/gdm/Xauthority")), 1000, 1001);
        d.save(run);
        assertThat(Desktop.load(run)).contains(d);
        Desktop.forget(run);
        assertThat(Desktop.load(run)).isEmpty();
    }

    @Test
    void damagedRecordNeverShowsWindowsAsRoot(@TempDir Path run) throws Exception {
        for (String text : List.of("display=:0\nuid=0\ngid=0\n", "display=:0\nuid=1000\n",
                "display=:0\nuid=1000\ngid=1000\nuid=0\n", "display=host:0\nuid=1000\ngid=1000\n",
                "display=:0\nuid=-1\ngid=1000\n", "display=:0\nuid=1000\ngid=1000\nshell=/bin/sh\n")) {
            Files.writeString(run.resolve(Desktop.FILE), text);
            assertThat(Desktop.load(run)).as(text).isEmpty();
        }
    }
}
