package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.dialog.Answer;
import dev.airlock.policy.Decision;
import dev.airlock.policy.RuleRef;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The ask queue with the trusted dialog plugged in: a fake that records what it showed and answers on command. */
class AskQueueDialogTest {
    private static final ServiceCall CALL = new ServiceCall("qubes.Filecopy", "");
    private static final Decision.Ask ASK = new Decision.Ask("@default", List.of("personal", "vault"), "personal",
            new RuleRef("30-user.policy", 3, "qubes.Filecopy * work @anyvm ask default_target=personal"), null,
            false, true, "ask");

    /** One dialog per call, by source: what it was told, and whether it was closed. */
    private static final class FakeDialogs implements AskQueue.Dialogs {
        record Shown(String source, Consumer<Answer> answered, CompletableFuture<Void> closed) {
        }

        final Map<String, Shown> shown = new ConcurrentHashMap<>();

        @Override
        public Runnable show(String source, ServiceCall call, Decision.Ask ask, Duration timeout,
                             Consumer<Answer> answered) {
            Shown s = new Shown(source, answered, new CompletableFuture<>());
            shown.put(source, s);
            return () -> s.closed().complete(null);
        }

        Shown await(String source) throws InterruptedException {
            Await.until("a dialog for " + source, () -> shown.containsKey(source));
            return shown.get(source);
        }
    }

    private final FakeDialogs dialogs = new FakeDialogs();
    private final AskQueue q = new AskQueue(Duration.ofSeconds(30), dialogs);

    private static CompletableFuture<Decision> waiting(AskQueue q, String source) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return q.await(source, CALL, ASK);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static int idOf(AskQueue q, String source) {
        for (var c : q.list()) {
            if (c.get("source").asText().equals(source)) {
                return c.get("id").asInt();
            }
        }
        throw new AssertionError("no call from " + source);
    }

    @Test
    void allowInTheDialogApprovesTheCallAndClosesIt() throws Exception {
        CompletableFuture<Decision> d = waiting(q, "work");
        FakeDialogs.Shown s = dialogs.await("work");
        s.answered().accept(new Answer.Allow("vault"));
        assertThat(d.get()).isInstanceOfSatisfying(Decision.Allow.class, a -> assertThat(a.target()).isEqualTo("vault"));
        assertThat(s.closed()).isDone();
        assertThat(q.list()).isEmpty();
    }

    @Test
    void approveCommandClosesTheDialog() throws Exception {
        CompletableFuture<Decision> d = waiting(q, "work");
        FakeDialogs.Shown s = dialogs.await("work");
        assertThat(s.closed()).isNotDone();
        q.approve(idOf(q, "work"), null);
        assertThat(d.get()).isInstanceOf(Decision.Allow.class);
        Await.until("the dialog is closed", () -> s.closed().isDone());
        // What a dialog answers after the call was answered elsewhere changes nothing.
        s.answered().accept(new Answer.Deny());
        assertThat(d.get()).isInstanceOf(Decision.Allow.class);
    }

    @Test
    void dialogAnswersOnlyTheCallItWasOpenedFor() throws Exception {
        CompletableFuture<Decision> work = waiting(q, "work");
        CompletableFuture<Decision> other = waiting(q, "other");
        FakeDialogs.Shown forOther = dialogs.await("other");
        dialogs.await("work");
        forOther.answered().accept(new Answer.Allow("personal"));
        assertThat(other.get()).isInstanceOf(Decision.Allow.class);
        assertThat(work).isNotDone();
        assertThat(q.list()).hasSize(1);
        q.deny(idOf(q, "work"));
        assertThat(work.get()).isInstanceOf(Decision.Deny.class);
    }

    @Test
    void dialogNamingATargetThatWasNotOfferedDenies() throws Exception {
        CompletableFuture<Decision> d = waiting(q, "work");
        dialogs.await("work").answered().accept(new Answer.Allow("dom0"));
        assertThat(d.get()).isInstanceOfSatisfying(Decision.Deny.class,
                x -> assertThat(x.reason()).contains("not one of the offered targets"));
    }

    @Test
    void dialogThatDiesWithoutAnswerDecidesNothing() throws Exception {
        CompletableFuture<Decision> d = waiting(q, "work");
        dialogs.await("work");
        // The fake's process "crashed": it never calls answered.
        Thread.sleep(200);
        assertThat(d).isNotDone();
        q.deny(idOf(q, "work"));
        assertThat(d.get()).isInstanceOfSatisfying(Decision.Deny.class,
                x -> assertThat(x.reason()).isEqualTo("the user denied the call"));
    }

    @Test
    void denyInTheDialogIsAuditedAsSuch() throws Exception {
        CompletableFuture<Decision> d = waiting(q, "work");
        dialogs.await("work").answered().accept(new Answer.Deny());
        assertThat(d.get()).isInstanceOfSatisfying(Decision.Deny.class,
                x -> assertThat(x.reason()).contains("in the trusted dialog"));
    }

    @Test
    void timeoutAndCallerGoneCloseTheDialog() throws Exception {
        AskQueue quick = new AskQueue(Duration.ofMillis(100), dialogs);
        assertThat(quick.await("work", CALL, ASK)).isInstanceOf(Decision.Deny.class);
        assertThat(dialogs.shown.get("work").closed()).isDone();

        CompletableFuture<Void> gone = new CompletableFuture<>();
        CompletableFuture<Decision> d = CompletableFuture.supplyAsync(() -> {
            try {
                return q.await("other", CALL, ASK, gone);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        FakeDialogs.Shown s = dialogs.await("other");
        gone.complete(null);
        assertThat(d.get()).isInstanceOf(Decision.Deny.class);
        assertThat(s.closed()).isDone();
    }
}
