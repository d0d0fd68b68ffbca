package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.policy.Decision;
import dev.airlock.policy.RuleRef;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class AskQueueTest {
    private static final ServiceCall CALL = new ServiceCall("qubes.Filecopy", "");
    private static final Decision.Ask ASK = new Decision.Ask("@default", List.of("personal", "vault"), "personal",
            new RuleRef("30-user.policy", 3, "qubes.Filecopy * work @anyvm ask default_target=personal"), null,
            false, true, "ask");

    private static CompletableFuture<Decision> waiting(AskQueue q) throws InterruptedException {
        int before = q.list().size();
        CompletableFuture<Decision> d = CompletableFuture.supplyAsync(() -> {
            try {
                return q.await("work", CALL, ASK);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Await.until("the question is queued", () -> q.list().size() != before);
        return d;
    }

    @Test
    void approvalWithoutTargetTakesTheDefault() throws Exception {
        AskQueue q = new AskQueue(Duration.ofSeconds(30));
        CompletableFuture<Decision> d = waiting(q);
        assertThat(q.list().get(0).get("source").asText()).isEqualTo("work");
        q.approve(q.list().get(0).get("id").asInt(), null);
        assertThat(d.get()).isInstanceOfSatisfying(Decision.Allow.class,
                a -> assertThat(a.target()).isEqualTo("personal"));
        assertThat(q.list()).isEmpty();
    }

    @Test
    void onlyAnOfferedTargetCanBeChosen() throws Exception {
        AskQueue q = new AskQueue(Duration.ofSeconds(30));
        CompletableFuture<Decision> d = waiting(q);
        int id = q.list().get(0).get("id").asInt();
        assertThatThrownBy(() -> q.approve(id, "work")).hasMessageContaining("not offered");
        q.approve(id, "vault");
        assertThat(((Decision.Allow) d.get()).target()).isEqualTo("vault");
    }

    @Test
    void denialAndSilenceBothDeny() throws Exception {
        AskQueue q = new AskQueue(Duration.ofSeconds(30));
        CompletableFuture<Decision> d = waiting(q);
        q.deny(q.list().get(0).get("id").asInt());
        assertThat(d.get()).isInstanceOf(Decision.Deny.class);
        assertThatThrownBy(() -> q.deny(12345)).hasMessageContaining("no call 12345");
        AskQueue quick = new AskQueue(Duration.ofMillis(50));
        assertThat(quick.await("work", CALL, ASK)).isInstanceOfSatisfying(Decision.Deny.class,
                x -> assertThat(x.reason()).contains("nobody answered"));
        assertThat(quick.list()).isEmpty();
    }

    @Test
    void askWhoseCallerWentAwayLeavesTheQueueAndAnAnswerSaysItIsGone() throws Exception {
        AskQueue q = new AskQueue(Duration.ofSeconds(30));
        CompletableFuture<Void> callerGone = new CompletableFuture<>();
        CompletableFuture<Decision> d = CompletableFuture.supplyAsync(() -> {
            try {
                return q.await("work", CALL, ASK, callerGone);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Await.until("the question is queued", () -> !q.list().isEmpty());
        int id = q.list().get(0).get("id").asInt();
        callerGone.complete(null);
        assertThat(d.get()).isInstanceOfSatisfying(Decision.Deny.class,
                x -> assertThat(x.reason()).contains("the caller went away"));
        assertThat(q.list()).isEmpty();
        assertThatThrownBy(() -> q.approve(id, "personal"))
                .hasMessage("call " + id + " is gone: its caller in work went away before it was answered");
        assertThatThrownBy(() -> q.deny(id)).hasMessageContaining("is gone");
    }
}
