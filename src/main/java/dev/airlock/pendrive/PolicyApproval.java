package dev.airlock.pendrive;

import dev.airlock.policy.Decision;
import dev.airlock.policy.Request;

import java.io.IOException;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Answers the daemon's questions the way a qrexec call is decided: the policy is asked about a call from the
 * sender to the receiver of service {@link #SEND_SERVICE} (the transfer) or {@link #WAIT_SERVICE} (waiting for a
 * busy receiver); {@code allow} and {@code deny} answer at once, {@code ask} goes to the trusted prompt. Only the
 * receiver itself counts as a yes: an {@code allow target=} that redirects, or an answer naming any other
 * domain, is a no.
 */
public final class PolicyApproval implements Approval {
    /** The policy service of a pendrive transfer from the caller to the target. */
    public static final String SEND_SERVICE = "airlock.PendriveSend";
    /** The policy service of waiting until the target releases its incoming pendrive. */
    public static final String WAIT_SERVICE = "airlock.PendriveWait";

    /** The trusted prompt: the same one that answers a policy {@code ask}. */
    public interface Prompt {
        /**
         * Shows {@code question} for {@code request} and returns the user's decision: an allow naming one of
         * {@code ask}'s targets, or a deny.
         */
        Decision ask(String question, Request request, Decision.Ask ask) throws InterruptedException;
    }

    /** Starts a halted domain and returns once it runs. */
    public interface Starter {
        void start(String domain) throws IOException;
    }

    private final Function<Request, Decision> policy;
    private final Prompt prompt;
    private final Consumer<String> log;
    private final Starter starter;

    /**
     * @param policy decides a request with the policy in force (for example {@code PolicyStore::evaluate} with
     *               the registry's view)
     * @param prompt the trusted prompt
     * @param log where each decision's reason goes
     * @param starter starts a halted receiver whose transfer the policy allowed with autostart
     */
    public PolicyApproval(Function<Request, Decision> policy, Prompt prompt, Consumer<String> log,
                          Starter starter) {
        this.policy = Objects.requireNonNull(policy);
        this.prompt = Objects.requireNonNull(prompt);
        this.log = Objects.requireNonNull(log);
        this.starter = Objects.requireNonNull(starter);
    }

    @Override
    public boolean authorizeTransfer(String source, String dest) throws InterruptedException {
        return decide(SEND_SERVICE, source, dest,
                "Do you authorize pendrive transfer from " + source + " to " + dest + "?", false);
    }

    @Override
    public boolean authorizeTransferStarting(String source, String dest) throws InterruptedException {
        return decide(SEND_SERVICE, source, dest, "Do you authorize pendrive transfer from " + source + " to "
                + dest + "? " + dest + " is not running and will be started.", true);
    }

    @Override
    public boolean waitForRelease(String source, String dest) throws InterruptedException {
        return decide(WAIT_SERVICE, source, dest, dest + " still holds a pendrive. Wait until " + dest
                + " releases it, then transfer the pendrive from " + source + "?", false);
    }

    /** {@code start}: the receiver is halted, and a yes also needs the rule's autostart and a successful start. */
    private boolean decide(String service, String source, String dest, String question, boolean start)
            throws InterruptedException {
        Request request;
        try {
            request = new Request(source, dest, service, "");
        } catch (IllegalArgumentException e) {
            log.accept(service + " from " + source + " to " + dest + ": denied: " + e.getMessage());
            return false;
        }
        Decision d = policy.apply(request);
        boolean autostart = switch (d) {
            case Decision.Allow a -> a.autostart();
            case Decision.Ask a -> a.autostart();
            case Decision.Deny n -> false;
        };
        if (start && !autostart && !(d instanceof Decision.Deny)) {
            log.accept(service + " from " + source + " to " + dest + ": denied: " + dest + " is not running and the "
                    + "rule says autostart=no (" + d.reason() + ")");
            return false;
        }
        if (d instanceof Decision.Ask ask) {
            if (!ask.targetsForAsk().contains(dest)) {
                log.accept(service + " from " + source + " to " + dest + ": denied: the policy asks, but does not "
                        + "offer " + dest);
                return false;
            }
            d = prompt.ask(question, request, ask);
        }
        boolean yes = d instanceof Decision.Allow allow && allow.target().equals(dest);
        if (yes && start) {
            try {
                starter.start(dest);
            } catch (IOException | RuntimeException e) {
                log.accept(service + " from " + source + " to " + dest + ": allowed, but " + dest
                        + " could not be started: " + e.getMessage());
                return false;
            }
            log.accept(service + " from " + source + " to " + dest + ": allowed: " + d.reason() + "; " + dest
                    + " started for the transfer (autostart)");
            return true;
        }
        log.accept(service + " from " + source + " to " + dest + ": " + (yes ? "allowed" : "denied") + ": "
                + d.reason());
        return yes;
    }
}
