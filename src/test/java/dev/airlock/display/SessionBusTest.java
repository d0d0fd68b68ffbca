package dev.airlock.display;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session bus that a root broker sends notifications on: a local socket, and nothing else. */
class SessionBusTest {
    private static final List<String> PASSWD = List.of("alice:x:1000:1000:Alice:/home/alice:/bin/bash");

    @Test
    void localAddressesAreTaken() {
        for (String a : List.of("unix:path=/run/user/1000/bus", "unix:abstract=/tmp/dbus-Ab12Cd",
                "unix:path=/tmp/dbus-x,guid=0123456789abcdef0123456789abcdef", "unix:path=/tmp/with%20space")) {
            assertThat(SessionBus.of(a)).as(a).contains(new SessionBus(a));
        }
    }

    @Test
    void busAddressCannotSendNotificationsOverTheNetworkOrRunAProgram() {
        for (String a : List.of("tcp:host=evil.example,port=4000", "nonce-tcp:host=evil.example,port=1",
                "unixexec:path=/bin/sh,argv1=-c", "unix:path=/run/user/1000/bus;tcp:host=evil.example,port=1",
                "unix:path=relative/bus", "unix:tmpdir=/tmp", "unix:runtime=yes", "launchd:env=X",
                "unix:path=/tmp/bus,guid=0123456789abcdef0123456789abcdef,extra=1", "unix:path=/tmp/bus\nuid=0",
                "unix:path=/tmp/a b", "unix:path=/tmp/'$(id)'", "", "unix:path=/" + "a".repeat(300))) {
            assertThat(SessionBus.of(a)).as(a).isEmpty();
            assertThatThrownBy(() -> new SessionBus(a)).as(a).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(SessionBus.of(null)).isEmpty();
    }

    @Test
    void hostileBusInTheEnvironmentLeavesTheDesktopWithoutNotifications() {
        Desktop.Found f = Desktop.from(Map.of("DISPLAY", ":0", "DBUS_SESSION_BUS_ADDRESS",
                "tcp:host=evil.example,port=4000"), 1000, 1000, PASSWD);
        assertThat(f).isEqualTo(new Desktop.Known(new Desktop(":0", Optional.empty(), 1000, 1000)));
        Desktop.Found local = Desktop.from(Map.of("DISPLAY", ":0", "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/run/user/1000/bus"), 1000, 1000, PASSWD);
        assertThat(local).isEqualTo(new Desktop.Known(new Desktop(":0", Optional.empty(), 1000, 1000,
                Optional.of(new SessionBus("unix:path=/run/user/1000/bus")))));
    }

    @Test
    void recordWrittenBeforeNotificationsStillParses(@TempDir Path run) throws Exception {
        Files.writeString(run.resolve(Desktop.FILE), "display=:0\nuid=1000\ngid=1000\n");
        assertThat(Desktop.load(run)).contains(new Desktop(":0", Optional.empty(), 1000, 1000));
    }

    @Test
    void busSurvivesARestartedBroker(@TempDir Path run) throws Exception {
        Desktop d = new Desktop(":0", Optional.empty(), 1000, 1000,
                Optional.of(new SessionBus("unix:abstract=/tmp/dbus-Q1,guid=0123456789abcdef0123456789abcdef")));
        d.save(run);
        assertThat(Desktop.load(run)).contains(d);
        assertThat(Displays.report(run)).contains("notifications: to the session bus unix:abstract=/tmp/dbus-Q1,"
                + "guid=0123456789abcdef0123456789abcdef (needs notify-send, package libnotify-bin, and a "
                + "notification daemon)");
    }

    @Test
    void editedRecordCannotPointTheRootBrokerAtARemoteBus(@TempDir Path run) throws Exception {
        Files.writeString(run.resolve(Desktop.FILE), "display=:0\nuid=1000\ngid=1000\nbus=tcp:host=evil,port=1\n");
        assertThat(Desktop.load(run)).isEmpty();
    }
}
