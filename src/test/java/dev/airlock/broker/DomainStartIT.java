package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting a domain that cannot start: the user learns why at once, not after a timeout. */
class DomainStartIT {

    @Test
    void domainWhoseAgentCannotStartReportsItsOutput(@TempDir Path tmp) throws Exception {
        LiveDomains live = LiveDomains.create(tmp, "", "work");
        AirlockHome home = live.home();
        // An installation whose jar is not one: the agent cannot start.
        Path install = Files.createDirectory(tmp.resolve("install"));
        Files.setPosixFilePermissions(install, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(install.resolve("airlock.jar"), "not a jar");
        Files.setPosixFilePermissions(install.resolve("airlock.jar"), PosixFilePermissions.fromString("rw-r--r--"));
        try (Broker broker = Broker.start(new Broker.Settings(home, live.policyDirectory(), install,
                Path.of(System.getProperty("java.home"))))) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> new AdminClient(home).call(AdminClient.request("start").put("domain", "work")))
                    .hasMessageContaining("domain work exited while starting")
                    .hasMessageContaining("jarfile");
            assertThat(System.nanoTime() - t0).as("not the whole start timeout").isLessThan(20_000_000_000L);
            assertThatThrownBy(() -> new AdminClient(home).call(AdminClient.request("start").put("domain", "nosuch")))
                    .hasMessageContaining("no such domain: nosuch");
        }
    }
}
