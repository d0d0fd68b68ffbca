package dev.airlock.hostcopy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.display.Desktop;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Whose QubesIncoming a domain's copy lands in: never root's. */
class RecipientTest {
    private static final List<String> PASSWD = List.of("root:x:0:0:root:/root:/bin/bash",
            "alice:x:1000:1000::/home/alice:/bin/bash", "bob:x:1001:1001::/home/bob:/bin/sh");

    @Test
    void anUnprivilegedBrokerReceivesForItsOwnUserInItsOwnHome() {
        Recipient r = Recipient.resolve(Map.of("HOME", "/home/bob"), 1001, 1001, Optional.empty(), PASSWD);
        assertThat(r).isEqualTo(new Recipient(Path.of("/home/bob"), 1001, 1001, false));
    }

    @Test
    void aRootBrokerReceivesAsTheRecordedDesktopUser() {
        Desktop d = new Desktop(":0", Optional.empty(), 1000, 1000);
        Recipient r = Recipient.resolve(Map.of("AIRLOCK_DESKTOP_USER", "bob"), 0, 0, Optional.of(d), PASSWD);
        assertThat(r).isEqualTo(new Recipient(Path.of("/home/alice"), 1000, 1000, true));
    }

    @Test
    void aRootBrokerWithoutDisplayReceivesAsTheNamedOrSudoUser() {
        assertThat(Recipient.resolve(Map.of("AIRLOCK_DESKTOP_USER", "bob"), 0, 0, Optional.empty(), PASSWD))
                .isEqualTo(new Recipient(Path.of("/home/bob"), 1001, 1001, true));
        assertThat(Recipient.resolve(Map.of("SUDO_UID", "1000"), 0, 0, Optional.empty(), PASSWD).uid())
                .isEqualTo(1000);
    }

    @Test
    void aRootBrokerWithNoDesktopUserRefusesRatherThanWriteAsRoot() {
        assertThatThrownBy(() -> Recipient.resolve(Map.of(), 0, 0, Optional.empty(), PASSWD))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("AIRLOCK_DESKTOP_USER");
        assertThatThrownBy(() -> Recipient.resolve(Map.of("AIRLOCK_DESKTOP_USER", "root"), 0, 0, Optional.empty(),
                PASSWD)).hasMessageContaining("never root");
        assertThatThrownBy(() -> Recipient.resolve(Map.of("AIRLOCK_DESKTOP_USER", "nobody-here"), 0, 0,
                Optional.empty(), PASSWD)).hasMessageContaining("no user");
    }

    @Test
    void theReceivingHomeIsAHostSetting() {
        Recipient r = Recipient.resolve(Map.of(Recipient.HOME_VARIABLE, "/srv/in", "AIRLOCK_DESKTOP_USER", "alice"),
                0, 0, Optional.empty(), PASSWD);
        assertThat(r.home()).isEqualTo(Path.of("/srv/in"));
        assertThat(r.uid()).isEqualTo(1000);
    }
}
