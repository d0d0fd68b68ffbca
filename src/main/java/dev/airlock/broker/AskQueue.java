package dev.airlock.broker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.policy.Decision;
import dev.airlock.qrexec.ServiceCall;

import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Calls for which the policy says {@code ask}: each waits, numbered, until the user approves it (choosing one of the
 * offered targets) or denies it from the host ({@code airlock pending|approve|deny}). A call nobody answers in time
 * is denied, and one whose caller goes away leaves the queue at once: a domain cannot keep questions open for calls
 * it has given up. Only the host can answer: the admin socket, and the trusted dialog on the host's desktop when
 * there is one. A dialog answers only the call it was opened for, and is closed however that call ends.
 */
final class AskQueue implements CallDecider.AskStep {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Calls whose caller went away that an answer is told about, instead of "no such call". */
    private static final int GONE_REMEMBERED = 256;

    /** What ends a wait. */
    private sealed interface Answer {
    }

    private record Chosen(String target) implements Answer {
    }

    /** {@code reason}: the audit's words for it. */
    private record Denied(String reason) implements Answer {
    }

    private record CallerGone() implements Answer {
    }

    /** One call waiting for its answer. */
    private record Pending(int id, String source, ServiceCall call, Decision.Ask ask,
                           CompletableFuture<Answer> answer) {
    }

    /** Shows a waiting call on the host's desktop: the trusted dialog. */
    interface Dialogs {
        /** No desktop: calls are answered on the terminal and with approve/deny only. */
        Dialogs NONE = (source, call, ask, timeout, answered) -> () -> { };

        /**
         * Shows {@code ask} to the user, if a desktop is known; {@code answered} is told the answer given there, at
         * most once. Returns what closes the dialog (nothing when none was shown).
         */
        Runnable show(String source, ServiceCall call, Decision.Ask ask, Duration timeout,
                      Consumer<dev.airlock.dialog.Answer> answered);
    }

    private final Duration timeout;
    private final Dialogs dialogs;
    private final AtomicInteger ids = new AtomicInteger();
    private final ConcurrentMap<Integer, Pending> pending = new ConcurrentHashMap<>();
    /** The last calls dropped because their caller went away, oldest first; guarded by itself. */
    private final Map<Integer, String> gone = new LinkedHashMap<>();

    AskQueue(Duration timeout) {
        this(timeout, Dialogs.NONE);
    }

    AskQueue(Duration timeout, Dialogs dialogs) {
        this.timeout = timeout;
        this.dialogs = dialogs;
    }

    /** Waits for the user's answer to {@code ask} and returns the decision it makes: an allow or a deny. */
    Decision await(String source, ServiceCall call, Decision.Ask ask) throws InterruptedException {
        return await(source, call, ask, new CompletableFuture<>());
    }

    /**
     * Waits for the user's answer to {@code ask}, or until {@code callerGone} completes: then the call leaves the
     * queue and is denied, and an answer given to it later is told that its caller went away.
     */
    @Override
    public Decision await(String source, ServiceCall call, Decision.Ask ask, CompletionStage<?> callerGone)
            throws InterruptedException {
        Pending p = new Pending(ids.incrementAndGet(), source, call, ask, new CompletableFuture<>());
        pending.put(p.id(), p);
        callerGone.thenRun(() -> p.answer().complete(new CallerGone()));
        Runnable dialog = () -> { };
        try {
            // Bound to p: the dialog's answer settles this call and no other, whatever the dialog writes.
            dialog = dialogs.show(source, call, ask, timeout, a -> p.answer().complete(switch (a) {
                case dev.airlock.dialog.Answer.Allow allow -> new Chosen(allow.target());
                case dev.airlock.dialog.Answer.Deny deny -> new Denied("the user denied the call in the trusted "
                        + "dialog");
            }));
            return switch (p.answer().get(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                case Chosen c -> ask.answer(c.target());
                case Denied d -> new Decision.Deny(ask.requestedTarget(), ask.rule(), true, d.reason());
                case CallerGone g -> {
                    remember(p.id(), source);
                    yield new Decision.Deny(ask.requestedTarget(), ask.rule(), true,
                            "the caller went away before the user answered");
                }
            };
        } catch (TimeoutException | ExecutionException e) {
            return new Decision.Deny(ask.requestedTarget(), ask.rule(), true, "nobody answered within "
                    + timeout.toSeconds() + " s");
        } finally {
            pending.remove(p.id());
            dialog.run();
        }
    }

    private void remember(int id, String source) {
        synchronized (gone) {
            gone.put(id, source);
            if (gone.size() > GONE_REMEMBERED) {
                gone.remove(gone.keySet().iterator().next());
            }
        }
    }

    /** The waiting calls, oldest first. */
    ArrayNode list() {
        ArrayNode a = JSON.createArrayNode();
        pending.values().stream().sorted(Comparator.comparingInt(Pending::id)).forEach(p -> {
            ObjectNode o = a.addObject().put("id", p.id()).put("source", p.source())
                    .put("target", p.ask().requestedTarget()).put("service", p.call().service())
                    .put("argument", p.call().argument()).put("default", p.ask().defaultTarget());
            p.ask().targetsForAsk().forEach(o.putArray("targets")::add);
        });
        return a;
    }

    /**
     * Lets call {@code id} go to {@code target}; without one, to the rule's default target or the only one offered.
     *
     * @throws IllegalArgumentException no such call, or a target that was not offered
     */
    void approve(int id, String target) {
        Pending p = find(id);
        String chosen = target != null ? target : p.ask().defaultTarget();
        if (chosen == null && p.ask().targetsForAsk().size() == 1) {
            chosen = p.ask().targetsForAsk().getFirst();
        }
        if (chosen == null || !p.ask().targetsForAsk().contains(chosen)) {
            throw new IllegalArgumentException((chosen == null ? "choose a target" : chosen + " was not offered")
                    + ": --target " + String.join("|", p.ask().targetsForAsk()));
        }
        settle(p, new Chosen(chosen));
    }

    void deny(int id) {
        settle(find(id), new Denied("the user denied the call"));
    }

    /** Gives {@code p} its answer, unless something came first (its caller went away, the time ran out). */
    private void settle(Pending p, Answer a) {
        if (!p.answer().complete(a)) {
            throw new IllegalArgumentException(p.answer().getNow(null) instanceof CallerGone
                    ? goneMessage(p.id(), p.source()) : "call " + p.id() + " is no longer waiting");
        }
    }

    private Pending find(int id) {
        Pending p = pending.get(id);
        if (p == null) {
            String source;
            synchronized (gone) {
                source = gone.get(id);
            }
            throw new IllegalArgumentException(source != null ? goneMessage(id, source)
                    : "no call " + id + " is waiting (see: airlock pending)");
        }
        return p;
    }

    private static String goneMessage(int id, String source) {
        return "call " + id + " is gone: its caller in " + source + " went away before it was answered";
    }
}
