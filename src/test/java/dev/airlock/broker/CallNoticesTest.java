package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.notify.Notice;
import dev.airlock.policy.Decision;
import dev.airlock.policy.DomainFacts;
import dev.airlock.policy.DomainView;
import dev.airlock.policy.PolicyStore;
import dev.airlock.qrexec.ServiceCall;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which calls the desktop is told about, and that the audit log has each of them whether or not it is. */
class CallNoticesTest {
    private static final DomainView DOMAINS = DomainView.of(List.of(
            new DomainFacts("work", "AppVM", Set.of(), true, null, false, null, false),
            new DomainFacts("vault", "AppVM", Set.of(), true, null, false, null, false),
            new DomainFacts("dvm", "AppVM", Set.of(), false, null, true, null, false)));

    @TempDir
    Path tmp;

    private final List<Notice> notices = new ArrayList<>();
    private PolicyStore policy;
    private AuditLog audit;
    private CallAudit calls;
    private IOException disposableFailure;

    private final DisposablePool pool = new DisposablePool() {
        @Override
        public Taken take(String template, String caller) throws IOException {
            if (disposableFailure != null) {
                throw disposableFailure;
            }
            return new Taken("disp7", true);
        }

        @Override
        public boolean isUnbound(String name) {
            return false;
        }

        @Override
        public void refill(String template) {
        }

        @Override
        public void destroy(String name) {
        }
    };

    private record Views(DomainView view) implements DomainViews {
        @Override
        public Optional<UUID> uuid(String name) {
            return Optional.of(UUID.nameUUIDFromBytes(name.getBytes()));
        }

        @Override
        public boolean isCurrent(String name) {
            return true;
        }
    }

    private CallDecider decider(String policyText) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("policy"));
        Files.writeString(dir.resolve("50-test.policy"), policyText);
        policy = PolicyStore.openManual(dir);
        audit = new AuditLog(tmp.resolve("audit.jsonl"));
        calls = new CallAudit(audit, notices::add);
        CallDecider.AskStep userDenies = (source, call, ask, gone) -> ask.answer(null);
        return new CallDecider(Routers.allRunning(new ArrayList<>()), pool, policy, new Views(DOMAINS), userDenies,
                calls);
    }

    @AfterEach
    void close() {
        if (policy != null) {
            policy.close();
        }
    }

    private CallDecider.Verdict call(CallDecider d, String service) {
        return d.decide("work", "vault", new ServiceCall(service, ""), CompletableFuture::new);
    }

    private List<AuditLog.Entry> records(String outcome) throws IOException {
        calls.close();
        return audit.read(e -> outcome.equals(e.outcome()));
    }

    @Test
    void deniedCallNotifiesUnlessItsRuleSaysNotifyNo() throws Exception {
        CallDecider d = decider("test.Loud * work vault deny\ntest.Quiet * work vault deny notify=no\n");
        assertThat(call(d, "test.Loud")).isInstanceOf(CallDecider.Refused.class);
        assertThat(call(d, "test.Quiet")).isInstanceOf(CallDecider.Refused.class);
        assertThat(call(d, "test.NoRule")).isInstanceOf(CallDecider.Refused.class);

        assertThat(notices).extracting(Notice::summary).containsExactly("Denied: test.Loud from work to vault",
                "Denied: test.NoRule from work to vault");
        assertThat(notices.getFirst().body()).contains("refused by policy");
        assertThat(records("deny")).extracting(AuditLog.Entry::service)
                .as("the quiet denial is in the audit log all the same")
                .containsExactlyInAnyOrder("test.Loud", "test.Quiet", "test.NoRule");
    }

    @Test
    void askThatTheUserDeniesNotifiesOnlyWhenItsRuleSaysNotifyYes() throws Exception {
        CallDecider d = decider("test.Ask * work vault ask\ntest.AskLoud * work vault ask notify=yes\n"
                + "test.Allow * work vault allow\n");
        call(d, "test.Ask");
        call(d, "test.AskLoud");
        assertThat(call(d, "test.Allow")).isInstanceOf(CallDecider.Allowed.class);
        assertThat(notices).extracting(Notice::summary).containsExactly("Denied: test.AskLoud from work to vault");
    }

    @Test
    void copyEndTellsWhereTheFilesWentAndNoCountTheBrokerNeverSaw() throws Exception {
        decider("");
        ServiceCall copy = new ServiceCall("qubes.Filecopy", "");
        calls.ended("work", "vault", copy, new CallEnd.Exited(0));
        calls.ended("work", "vault", copy, new CallEnd.Exited(1));
        calls.ended("work", "vault", copy, new CallEnd.Vanished());
        calls.ended("work", "vault", new ServiceCall("qubes.OpenInVM", ""), new CallEnd.Exited(0));

        assertThat(notices).extracting(Notice::summary).containsExactly("Files from work sent to vault",
                "Copy from work to vault failed", "Copy from work to vault failed");
        assertThat(notices.getFirst().body()).isEqualTo("They are in ~/QubesIncoming/work of vault.")
                .doesNotContainPattern("[0-9]");
        assertThat(notices.get(1).body()).startsWith("the service exited with 1");
        assertThat(records("ended")).hasSize(4);
    }

    @Test
    void disposableThatCannotBeMadeIsNotified() throws Exception {
        CallDecider d = decider("test.Open * work @dispvm allow target=@dispvm:dvm\n");
        disposableFailure = new IOException("bwrap failed");
        assertThat(d.decide("work", "@dispvm", new ServiceCall("test.Open", ""), CompletableFuture::new))
                .isInstanceOf(CallDecider.Refused.class);
        assertThat(notices).singleElement().satisfies(n -> {
            assertThat(n.summary()).isEqualTo("Disposable of dvm failed");
            assertThat(n.body()).isEqualTo("For a call from work: cannot make a disposable of dvm: bwrap failed");
        });
        assertThat(records("failed")).singleElement().satisfies(e -> assertThat(e.target()).isEqualTo("@dispvm:dvm"));
    }
}
