package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The admin request of {@code airlock open-in-dvm ./FILE}: what the broker accepts before any disposable starts. */
@Timeout(30)
class HostOpenRequestTest {

    @Test
    void brokerRefusesAnyPathInTheRequestSoItNeverOpensAHostFileForTheCaller(@TempDir Path tmp) throws Exception {
        AirlockHome home = new AirlockHome(tmp);
        try (Broker b = Broker.start(home)) {
            var request = AdminClient.request(Broker.OPEN_IN_DISPOSABLE).put("path", "/etc/shadow");
            assertThatThrownBy(() -> new AdminClient(home).openStream(request))
                    .hasMessageContaining("unknown field \"path\"");
        }
    }

    @Test
    void withoutAnyDefaultDisposableTemplateTheBrokerSaysWhatToRun(@TempDir Path tmp) throws Exception {
        AirlockHome home = new AirlockHome(tmp);
        try (Broker b = Broker.start(home)) {
            assertThatThrownBy(() -> new AdminClient(home).openStream(AdminClient.request(Broker.OPEN_IN_DISPOSABLE)))
                    .hasMessage(Broker.NO_DEFAULT_DISPVM);
        }
    }

    @Test
    void hostCannotOpenInADomainThatIsNoDisposableTemplateAndTheRefusalIsAuditedFromDom0(@TempDir Path tmp)
            throws Exception {
        AirlockHome home = new AirlockHome(tmp);
        Registry.open(home.root()).update(d -> d.add(Domain.of("work", DomainClass.APP_VM, Label.BLUE)));
        try (Broker b = Broker.start(home)) {
            var request = AdminClient.request(Broker.OPEN_IN_DISPOSABLE).put("dispvm", "work");
            assertThatThrownBy(() -> new AdminClient(home).openStream(request))
                    .hasMessageContaining("work is not a disposable template");
        }
        assertThat(Files.readString(home.auditLog())).contains("dom0").contains("qubes.OpenInVM")
                .contains("not a disposable template");
    }
}
