package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.policy.Decision;
import dev.airlock.policy.DomainFacts;
import dev.airlock.policy.DomainView;
import dev.airlock.policy.PolicyStore;
import dev.airlock.policy.Request;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pendrive transaction's disposable is decided by the policy of qubes.OpenInVM to @dispvm. */
class PendriveDisposablePolicyTest {
    private static final DomainView DOMAINS = DomainView.of(List.of(
            new DomainFacts("work", "AppVM", Set.of(), true, "dvm-t", false, null, false),
            new DomainFacts("untrusted", "AppVM", Set.of(), true, "dvm-t", false, null, false),
            new DomainFacts("dvm-t", "AppVM", Set.of(), false, null, true, null, false)));

    @TempDir
    Path policyDir;

    private Decision decide(String source, String policy) throws IOException {
        Files.writeString(policyDir.resolve("50-test.policy"), policy);
        PolicyStore store = PolicyStore.openManual(policyDir);
        try {
            return store.evaluate(new Request(source, "@dispvm", PendriveExchange.OPEN_IN_VM, ""), DOMAINS);
        } finally {
            store.close();
        }
    }

    @Test
    void domainDeniedOpenInVmCannotGetADisposableThroughAPendrive() throws Exception {
        Decision d = decide("untrusted", """
                qubes.OpenInVM  *  untrusted  @dispvm  deny
                qubes.OpenInVM  *  @anyvm     @dispvm  allow
                """);
        assertThatThrownBy(() -> PendriveExchange.allowedTemplate(d)).isInstanceOf(IOException.class)
                .hasMessageContaining("refused by policy").hasMessageContaining("50-test.policy");
    }

    @Test
    void allowedDomainGetsTheTemplateThePolicyNames() throws Exception {
        String policy = """
                qubes.OpenInVM  *  @anyvm  @dispvm  allow
                """;
        assertThat(PendriveExchange.allowedTemplate(decide("work", policy))).isEqualTo("dvm-t");
    }

    @Test
    void policyThatAsksIsANoBecauseTheDaemonCannotWaitForTheUser() throws Exception {
        Decision d = decide("work", """
                qubes.OpenInVM  *  @anyvm  @dispvm  ask
                """);
        assertThat(d).isInstanceOf(Decision.Ask.class);
        assertThatThrownBy(() -> PendriveExchange.allowedTemplate(d)).isInstanceOf(IOException.class)
                .hasMessageContaining("cannot wait for an answer");
    }

    @Test
    void policyThatRedirectsToAnOrdinaryDomainGivesNoDisposable() throws Exception {
        Decision d = decide("untrusted", """
                qubes.OpenInVM  *  @anyvm  @dispvm  allow target=work
                """);
        assertThatThrownBy(() -> PendriveExchange.allowedTemplate(d)).isInstanceOf(IOException.class)
                .hasMessageContaining("not to a new disposable");
    }

    @Test
    void noRuleIsANo() throws Exception {
        Decision d = decide("work", """
                qubes.Filecopy  *  @anyvm  @anyvm  ask
                """);
        assertThatThrownBy(() -> PendriveExchange.allowedTemplate(d)).isInstanceOf(IOException.class)
                .hasMessageContaining("refused by policy");
    }
}
