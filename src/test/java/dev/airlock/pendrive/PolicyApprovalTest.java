package dev.airlock.pendrive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.policy.Decision;
import dev.airlock.policy.DomainFacts;
import dev.airlock.policy.DomainView;
import dev.airlock.policy.PolicyStore;
import dev.airlock.policy.Request;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyApprovalTest {
    private static final DomainView DOMAINS = DomainView.of(List.of(
            new DomainFacts("work", "AppVM", Set.of(), true, null, false, null, false),
            new DomainFacts("personal", "AppVM", Set.of(), true, null, false, null, false),
            new DomainFacts("vault", "AppVM", Set.of("secret"), true, null, false, null, false),
            new DomainFacts("untrusted", "AppVM", Set.of(), true, null, false, null, false)));

    @TempDir
    Path policyDir;

    private final List<String> questions = new ArrayList<>();
    private final List<String> log = new ArrayList<>();
    private String answer;

    private PolicyApproval approval(String policy) throws Exception {
        Files.writeString(policyDir.resolve("30-pendrive.policy"), policy);
        PolicyStore store = PolicyStore.openManual(policyDir);
        assertThat(store.current().errors()).isEmpty();
        PolicyApproval.Prompt prompt = (question, request, ask) -> {
            questions.add(question);
            return answer == null ? new Decision.Deny(ask.requestedTarget(), ask.rule(), true, "the user denied")
                    : ask.answer(answer);
        };
        return new PolicyApproval(r -> store.evaluate(r, DOMAINS), prompt, log::add, started::add);
    }

    private final List<String> started = new ArrayList<>();

    @Test
    void haltedReceiverIsStartedOnlyWhenTheRuleAllowsAutostart() throws Exception {
        PolicyApproval a = approval("airlock.PendriveSend * work personal allow autostart=no\n"
                + "airlock.PendriveSend * work vault deny\n"
                + "airlock.PendriveSend * work untrusted allow\n");
        assertThat(a.authorizeTransferStarting("work", "personal")).isFalse();
        assertThat(a.authorizeTransferStarting("work", "vault")).isFalse();
        assertThat(started).isEmpty();
        assertThat(a.authorizeTransferStarting("work", "untrusted")).isTrue();
        assertThat(started).containsExactly("untrusted");
        assertThat(log.getLast()).contains("started for the transfer");
    }

    @Test
    void haltedReceiverIsStartedAfterTheUserSaysYes() throws Exception {
        PolicyApproval a = approval("airlock.PendriveSend * work personal ask\n");
        assertThat(a.authorizeTransferStarting("work", "personal")).isFalse();
        assertThat(started).isEmpty();
        answer = "personal";
        assertThat(a.authorizeTransferStarting("work", "personal")).isTrue();
        assertThat(started).containsExactly("personal");
        assertThat(questions.getLast()).contains("will be started");
    }

    @Test
    void policyAllowsWithoutAsking() throws Exception {
        PolicyApproval a = approval("airlock.PendriveSend * work personal allow\n");
        assertThat(a.authorizeTransfer("work", "personal")).isTrue();
        assertThat(questions).isEmpty();
        assertThat(log).singleElement().asString().contains("allowed");
    }

    @Test
    void policyDeniesWithoutAsking() throws Exception {
        PolicyApproval a = approval("airlock.PendriveSend * @anyvm @tag:secret deny\n"
                + "airlock.PendriveSend * @anyvm @anyvm allow\n");
        assertThat(a.authorizeTransfer("work", "vault")).isFalse();
        assertThat(a.authorizeTransfer("work", "personal")).isTrue();
        assertThat(questions).isEmpty();
    }

    @Test
    void noRuleDenies() throws Exception {
        PolicyApproval a = approval("qubes.Filecopy * @anyvm @anyvm allow\n");
        assertThat(a.authorizeTransfer("work", "personal")).isFalse();
        assertThat(a.waitForRelease("work", "personal")).isFalse();
    }

    @Test
    void askGoesToTheTrustedPromptWithTheSpecQuestion() throws Exception {
        PolicyApproval a = approval("airlock.PendriveSend * @anyvm @anyvm ask\n"
                + "airlock.PendriveWait * @anyvm @anyvm ask\n");
        answer = "personal";
        assertThat(a.authorizeTransfer("work", "personal")).isTrue();
        assertThat(a.waitForRelease("work", "personal")).isTrue();
        answer = null;
        assertThat(a.authorizeTransfer("work", "personal")).isFalse();
        assertThat(questions).first().isEqualTo("Do you authorize pendrive transfer from work to personal?");
        assertThat(questions.get(1)).contains("Wait until personal releases");
    }

    @Test
    void answerNamingAnotherDomainIsNotConsentForThisOne() throws Exception {
        PolicyApproval a = approval("airlock.PendriveSend * @anyvm @anyvm ask\n");
        answer = "vault";
        assertThat(a.authorizeTransfer("work", "personal")).isFalse();
    }

    @Test
    void redirectingAllowCannotSendThePendriveElsewhere() throws Exception {
        PolicyApproval a = approval("airlock.PendriveSend * work @anyvm allow target=vault\n");
        assertThat(a.authorizeTransfer("work", "personal")).isFalse();
    }

    @Test
    void sendAndWaitAreSeparateServices() throws Exception {
        PolicyApproval a = approval("airlock.PendriveSend * @anyvm @anyvm allow\n"
                + "airlock.PendriveWait * @anyvm @anyvm deny\n");
        assertThat(a.authorizeTransfer("work", "personal")).isTrue();
        assertThat(a.waitForRelease("work", "personal")).isFalse();
    }

    @Test
    void nameThePolicyCannotHoldIsDenied() throws Exception {
        PolicyApproval a = approval("airlock.PendriveSend * @anyvm @anyvm allow\n");
        assertThat(a.authorizeTransfer("work", "-personal")).isFalse();
        assertThat(log).singleElement().asString().contains("denied");
    }

    @Test
    void daemonWithPolicyAskDeniedKeepsThePendrive() throws Exception {
        PolicyApproval a = approval("airlock.PendriveSend * @anyvm @anyvm ask\n");
        RecordingHost host = new RecordingHost("work", "personal");
        PendriveDaemon daemon = new PendriveDaemon(host, a, log::add);
        daemon.handle("work", "new");
        assertThat(daemon.handle("work", "send personal")).isInstanceOf(PendriveDaemon.Outcome.Refused.class);
        assertThat(questions).containsExactly("Do you authorize pendrive transfer from work to personal?");
        answer = "personal";
        assertThat(daemon.handle("work", "send personal")).isInstanceOf(PendriveDaemon.Outcome.Served.class);
        assertThat(host.attached).containsValue(new RecordingHost.Place("personal", Device.XVDH));
    }
}
