package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.DomainFolder;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;
import dev.airlock.sandbox.BwrapCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting a domain that cannot start: the user learns why at once, not after a timeout. */
class DomainStartIT {

    @Test
    void domainWhoseAgentCannotStartReportsItsOutput(@TempDir Path tmp) throws Exception {
        BwrapCheck.Result check = BwrapCheck.check();
        assumeTrue(check instanceof BwrapCheck.Ready, "sandboxes cannot run here: " + check.message());
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        Path install = Files.createDirectory(tmp.resolve("install"));
        Files.setPosixFilePermissions(install, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(install.resolve("airlock.jar"), "not a jar");
        Files.setPosixFilePermissions(install.resolve("airlock.jar"), PosixFilePermissions.fromString("rw-r--r--"));
        AirlockHome home = new AirlockHome(tmp.resolve("home"));
        Registry registry = Registry.open(home.root());
        registry.update(d -> d.add(Domain.of("work", DomainClass.APP_VM, Label.RED)));
        DomainFolder.create(registry.domainFolder("work"));
        try (Broker broker = Broker.start(new Broker.Settings(home, tmp.resolve("config/policy.d"), install,
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
