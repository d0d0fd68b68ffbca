package dev.airlock.broker;

import dev.airlock.contract.BuiltInService;
import dev.airlock.policy.Decision;
import dev.airlock.policy.PolicyStore;
import dev.airlock.policy.Request;
import dev.airlock.qrexec.QrexecNames;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.qrexec.Wire;

import java.io.IOException;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Decides a domain's call, and audits the decision, without a socket, token or thread of its own: the router hands
 * it what came in on a domain's socket and carries out the verdict. The rules, in order: a domain that keeps being
 * refused is refused without a decision; a sandbox that a removed domain left running calls as nobody; no domain
 * calls a {@linkplain BuiltInService#hostOnly() host-only} service, nor itself; then the policy, the user's answer
 * when the policy asks, and where an allowed call goes: a running domain (started if the rule lets it), or a
 * disposable. The source of a call is always the domain whose socket it came in on.
 */
final class CallDecider {
    /** How the policy names a new disposable of a template as a call's target. */
    static final String DISPVM_PREFIX = "@dispvm:";

    /** The domains a call may go to ({@link DomainRunner} in the broker). */
    interface Targets {
        /** True when {@code name}'s agent is connected and its sandbox was started for the domain {@code uuid}. */
        boolean isReady(String name, UUID uuid);

        /** Starts {@code name} unless it runs, and waits until its agent is connected. */
        void start(String name) throws IOException;
    }

    /**
     * The ask step: who answers when the policy says ask. The broker's {@link AskQueue} ({@code airlock pending},
     * {@code approve}, {@code deny}, the prompt of {@code airlock copy}); a trusted dialog plugs in here.
     */
    interface AskStep {
        /**
         * The user's answer to {@code ask}: an allow naming one of its targets, or a deny; a deny once
         * {@code callerGone} completes.
         */
        Decision await(String source, ServiceCall call, Decision.Ask ask, CompletionStage<?> callerGone)
                throws InterruptedException;
    }

    /** What becomes of a call. */
    sealed interface Verdict {
    }

    /**
     * The call will not run: the exit code and reason its caller is told. {@code throttled} when it was refused for
     * the rate of its domain's refusals, whose answer the router holds back a moment.
     */
    record Refused(int exitCode, String reason, boolean throttled) implements Verdict {
    }

    /** The call goes to {@code target}: a running domain, or a disposable made of {@code template} for the call. */
    record Allowed(String target, String template) implements Verdict {
        boolean disposable() {
            return template != null;
        }
    }

    private final Targets targets;
    private final DisposablePool disposables;
    private final PolicyStore policy;
    private final DomainViews views;
    private final AskStep asks;
    private final CallAudit audit;
    private final RefusalLimiter limiter = new RefusalLimiter();

    CallDecider(Targets targets, DisposablePool disposables, PolicyStore policy, DomainViews views, AskStep asks,
                CallAudit audit) {
        this.targets = targets;
        this.disposables = disposables;
        this.policy = policy;
        this.views = views;
        this.asks = asks;
        this.audit = audit;
    }

    /**
     * The verdict on {@code call} from {@code source} to {@code requested}, audited. {@code callerGone} is asked
     * for only while the user is asked: it completes when the caller hangs up, which takes its question with it.
     */
    Verdict decide(String source, String requested, ServiceCall call,
                   Supplier<CompletableFuture<Void>> callerGone) {
        if (limiter.exhausted(source)) {
            // Neither the policy nor the disk pays for a domain that keeps asking for what it is refused: these
            // refusals fold into one record per window whatever the calls named.
            String why = "too many refused calls from " + source + ": refused without a policy decision";
            audit.record(source, null, null, null, "deny", why);
            return new Refused(Wire.EXIT_REFUSED, why + "; try again in a few seconds", true);
        }
        try {
            requireCurrent(source, requested, call);
            return allowed(source, requested, call, callerGone);
        } catch (CallRefusal e) {
            return new Refused(e.exitCode(), e.getMessage(), false);
        }
    }

    /**
     * A refusal outside the policy (a malformed request, a token presented by the wrong domain): audited, and
     * counted against {@code domain}'s rate of refusals.
     */
    void refused(String domain, String target, String detail) {
        limiter.refused(domain);
        audit.record(domain, target, null, null, "refused", detail);
    }

    /**
     * Refuses the calls of a sandbox that a removed domain left running (a start can slip in while a domain is
     * removed): the policy and the user know its name only, which may be a new domain's by now (issue 10). Before
     * the policy, so that the user is never asked about such a call on the new domain's behalf.
     */
    private void requireCurrent(String source, String requested, ServiceCall call) throws CallRefusal {
        boolean current;
        try {
            current = views.isCurrent(source);
        } catch (IOException e) {
            throw refuse(source, requested, call, null, Wire.EXIT_MACHINERY, "cannot read the registry: "
                    + e.getMessage());
        }
        if (!current) {
            throw refuse(source, requested, call, null, Wire.EXIT_REFUSED, "the sandbox of " + source
                    + " was started for a domain of that name that is no longer in the registry");
        }
    }

    private Allowed allowed(String source, String requested, ServiceCall call,
                            Supplier<CompletableFuture<Void>> callerGone) throws CallRefusal {
        if (BuiltInService.isHostOnly(call.service())) {
            throw refuse(source, requested, call, null, Wire.EXIT_REFUSED, call.service() + " is reserved to the host");
        }
        if (requested.equals(source)) {
            throw refuse(source, requested, call, null, Wire.EXIT_REFUSED, "a call from a domain to itself is refused");
        }
        Decision d;
        try {
            d = policy.evaluate(new Request(source, requested, call.service(), call.argument()), views.view());
        } catch (IOException | RuntimeException e) {
            throw refuse(source, requested, call, null, Wire.EXIT_MACHINERY, "cannot decide the call: "
                    + e.getMessage());
        }
        String rule = d.rule() == null ? null : d.rule().location();
        // The rule's notify, as Qubes: an ask that the user answers with deny, or lets time out, notifies only when
        // the ask rule says notify=yes.
        boolean notify = d.notifyUser();
        if (d instanceof Decision.Ask ask) {
            d = ask(source, requested, call, rule, ask, callerGone);
        }
        if (!(d instanceof Decision.Allow allow)) {
            String reason = "refused by policy: " + d.reason();
            limiter.refused(source);
            audit.denied(source, requested, call, rule, reason, notify);
            throw new CallRefusal(Wire.EXIT_REFUSED, reason);
        }
        String target = allow.target();
        if (target.startsWith(DISPVM_PREFIX)) {
            return disposable(source, target.substring(DISPVM_PREFIX.length()), call, rule, allow.reason());
        }
        if (disposables.isUnbound(target)) {
            // Whatever a call left in it would be waiting for the caller it is handed to next.
            throw refuse(source, target, call, rule, Wire.EXIT_REFUSED, "target " + target + " is a disposable "
                    + "waiting in the pool or starting: calls reach it only through @dispvm");
        }
        if (target.equals(QrexecNames.HOST) && call.service().equals(BuiltInService.FILECOPY.serviceName())) {
            // The host receives copies itself (HostIncoming); the router serves the call in the broker.
            audit.record(source, target, call, rule, "allow", allow.reason());
            return new Allowed(target, null);
        }
        if (!QrexecNames.isDomainName(target) || target.equals(QrexecNames.HOST)) {
            throw refuse(source, target, call, rule, Wire.EXIT_MACHINERY, "calls to " + target
                    + " are not supported" + (target.equals(QrexecNames.HOST) ? ": the host serves "
                    + BuiltInService.FILECOPY.serviceName() + " only" : " yet"));
        }
        String started = startIfHalted(source, target, call, allow);
        audit.record(source, target, call, rule, "allow", allow.reason() + started);
        return new Allowed(target, null);
    }

    /** The user's answer, while the caller is watched: a caller that goes away takes its question with it. */
    private Decision ask(String source, String requested, ServiceCall call, String rule, Decision.Ask ask,
                         Supplier<CompletableFuture<Void>> callerGone) throws CallRefusal {
        audit.record(source, requested, call, rule, "ask", "waiting for the user: airlock pending, approve, deny");
        CompletableFuture<Void> gone = callerGone.get();
        Decision d;
        try {
            d = asks.await(source, call, ask, gone);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw refuse(source, requested, call, rule, Wire.EXIT_MACHINERY, "the broker is stopping");
        }
        if (gone.isDone()) {
            // Counted as a refusal: asking and hanging up in a loop would otherwise write records unlimited.
            limiter.refused(source);
            audit.record(source, requested, call, rule, "caller-gone", "the caller went away while the user was"
                    + " asked; its question is dropped");
            throw new CallRefusal(Wire.EXIT_REFUSED, "the caller went away");
        }
        return d;
    }

    /**
     * Why the host's own calls ({@code airlock open-in-dvm ./FILE}) are not put to the policy, for the audit log.
     * Qubes does the same: dom0 calls a service in a domain directly, and the policy governs calls from domains. The
     * admin socket admits only the owner of airlock's state, who could run anything in any domain anyway.
     */
    static final String HOST_CALL = "the host's own call (airlock open-in-dvm): calls from the host are not put to "
            + "the policy, as dom0's are not in Qubes";

    /**
     * A new disposable of {@code template} for a call the host makes itself, audited with the host as source. The
     * caller destroys it when the call is over.
     */
    String hostDisposable(String template, ServiceCall call) throws CallRefusal {
        if (!QrexecNames.isDomainName(template)) {
            throw refuse(QrexecNames.HOST, template, call, null, Wire.EXIT_REFUSED, "invalid disposable template name \""
                    + template + "\"");
        }
        return disposable(QrexecNames.HOST, template, call, null, HOST_CALL).target();
    }

    /** A disposable of {@code template} for the call, from the pool or started for it; audited by its name. */
    private Allowed disposable(String source, String template, ServiceCall call, String rule, String reason)
            throws CallRefusal {
        DisposablePool.Taken d;
        try {
            d = disposables.take(template, source);
        } catch (DisposableQuota.LimitReachedException e) {
            throw refuse(source, DISPVM_PREFIX + template, call, rule, Wire.EXIT_REFUSED,
                    "no disposable of " + template + ": " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            String why = "cannot make a disposable of " + template + ": " + e.getMessage();
            limiter.refused(source);
            audit.disposableFailed(source, template, call, rule, "failed", why);
            throw new CallRefusal(Wire.EXIT_MACHINERY, why);
        }
        audit.record(source, d.name(), call, rule, "allow", reason + "; disposable " + d.name() + " of " + template
                + (d.pooled() ? " from the pool" : " started for the call"));
        return new Allowed(d.name(), template);
    }

    /**
     * Starts a halted target when the deciding rule lets it ({@code autostart=yes}, the default), as
     * {@code airlock start} does; what the audit adds to the reason.
     */
    private String startIfHalted(String source, String target, ServiceCall call, Decision.Allow allow)
            throws CallRefusal {
        String rule = allow.rule() == null ? null : allow.rule().location();
        Optional<UUID> uuid;
        try {
            uuid = views.uuid(target);
        } catch (IOException e) {
            throw refuse(source, target, call, rule, Wire.EXIT_MACHINERY, "cannot read the registry: "
                    + e.getMessage());
        }
        // Only the sandbox started for the domain of that name now: one that outlived a removed domain of the
        // same name is stopped by the start below, never handed the call.
        if (uuid.isPresent() && targets.isReady(target, uuid.get())) {
            return "";
        }
        if (!allow.autostart()) {
            throw refuse(source, target, call, rule, Wire.EXIT_MACHINERY, "target " + target + " is not running and "
                    + (rule == null ? "the policy" : rule) + " says autostart=no (start it with: airlock start "
                    + target + ")");
        }
        try {
            targets.start(target);
        } catch (IOException e) {
            throw refuse(source, target, call, rule, Wire.EXIT_MACHINERY, "cannot start target " + target + ": "
                    + e.getMessage());
        }
        return "; " + target + " started for the call (autostart)";
    }

    private CallRefusal refuse(String source, String target, ServiceCall call, String rule, int code,
                               String reason) {
        limiter.refused(source);
        audit.record(source, target, call, rule, code == Wire.EXIT_REFUSED ? "deny" : "failed", reason);
        return new CallRefusal(code, reason);
    }
}
