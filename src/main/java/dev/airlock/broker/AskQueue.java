package dev.airlock.broker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.policy.Decision;
import dev.airlock.qrexec.ServiceCall;

import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Calls for which the policy says {@code ask}: each waits, numbered, until the user approves it (choosing one of the
 * offered targets) or denies it from the host ({@code airlock pending|approve|deny}). A call nobody answers in time
 * is denied. Only the host can answer: the admin socket is the only way in.
 */
final class AskQueue {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One call waiting; {@code answer} completes with the chosen target, or null for a denial. */
    private record Pending(int id, String source, ServiceCall call, Decision.Ask ask,
                           CompletableFuture<String> answer) {
    }

    private final Duration timeout;
    private final AtomicInteger ids = new AtomicInteger();
    private final ConcurrentMap<Integer, Pending> pending = new ConcurrentHashMap<>();

    AskQueue(Duration timeout) {
        this.timeout = timeout;
    }

    /** Waits for the user's answer to {@code ask} and returns the decision it makes: an allow or a deny. */
    Decision await(String source, ServiceCall call, Decision.Ask ask) throws InterruptedException {
        Pending p = new Pending(ids.incrementAndGet(), source, call, ask, new CompletableFuture<>());
        pending.put(p.id(), p);
        try {
            String chosen = p.answer().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return chosen == null
                    ? new Decision.Deny(ask.requestedTarget(), ask.rule(), true, "the user denied the call")
                    : ask.answer(chosen);
        } catch (TimeoutException | ExecutionException e) {
            return new Decision.Deny(ask.requestedTarget(), ask.rule(), true, "nobody answered within "
                    + timeout.toSeconds() + " s");
        } finally {
            pending.remove(p.id());
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
        p.answer().complete(chosen);
    }

    void deny(int id) {
        find(id).answer().complete(null);
    }

    private Pending find(int id) {
        Pending p = pending.get(id);
        if (p == null) {
            throw new IllegalArgumentException("no call " + id + " is waiting (see: airlock pending)");
        }
        return p;
    }
}
