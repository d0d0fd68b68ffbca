package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.broker.Broker;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.DomainFolder;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;
import dev.airlock.sandbox.BwrapCheck;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code airlock ls} while the broker keeps a disposable ready: it shows as Pooled, and is gone after the broker. */
@Timeout(120)
class LsPooledIT {

    @Test
    void pooledDisposableShowsAsPooledAndGoesWithTheBroker(@TempDir Path tmp) throws Exception {
        BwrapCheck.Result check = BwrapCheck.check();
        assumeTrue(check instanceof BwrapCheck.Ready, "sandboxes cannot run here: " + check.message());
        Path install = Path.of("target").toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(install.resolve("airlock.jar")), "target/airlock.jar is not built yet");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        AirlockHome home = new AirlockHome(tmp.resolve("home"));
        Path policy = Files.createDirectories(tmp.resolve("config/policy.d"));
        Registry registry = Registry.open(home.root());
        registry.update(d -> d.add(Domain.of("dvm", DomainClass.APP_VM, Label.GRAY).withTemplateForDispvms(true)));
        DomainFolder.create(registry.domainFolder("dvm"));
        String pooled;
        try (Broker broker = Broker.start(new Broker.Settings(home, policy, install,
                Path.of(System.getProperty("java.home"))))) {
            pooled = awaitPooled(home);
            assertThat(ls(home)).containsPattern("\\n" + pooled + " +DispVM +Pooled +gray +dvm\\n")
                    .containsPattern("\\ndvm +AppVM +Halted ");
        }
        assertThat(ls(home)).doesNotContain(pooled).doesNotContain("DispVM");
    }

    private static String ls(AirlockHome home) {
        StringWriter out = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "ls", "--home",
                home.root().toString());
        assertThat(code).isZero();
        return out.toString();
    }

    private static String awaitPooled(AirlockHome home) throws Exception {
        for (int i = 0; i < 600; i++) {
            JsonNode pooled = new AdminClient(home).call(AdminClient.request("running")).path("pooled");
            if (!pooled.isEmpty()) {
                return pooled.get(0).asText();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the pool stayed empty");
    }
}
