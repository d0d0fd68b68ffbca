package dev.airlock.broker;

import dev.airlock.contract.BuiltInService;
import dev.airlock.log.Log;
import dev.airlock.pendrive.Approval;
import dev.airlock.pendrive.PolicyApproval;
import dev.airlock.pendrive.fat.Formatter;
import dev.airlock.pendrive.host.DisposableDomains;
import dev.airlock.pendrive.host.PendriveService;
import dev.airlock.policy.Decision;
import dev.airlock.policy.PolicyStore;
import dev.airlock.policy.Request;
import dev.airlock.qrexec.ServiceCall;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The broker's virtual-pendrive exchange: a {@link PendriveService} told of every domain that starts and stops,
 * whose questions are decided by the policy ({@code airlock.PendriveSend}, {@code airlock.PendriveWait}) and,
 * for {@code ask}, by the user through the same {@link AskQueue} as calls. Every decision and every line of the
 * daemon goes to the audit log.
 */
final class PendriveExchange implements DomainRunner.Lifecycle, AutoCloseable {
    private static final System.Logger LOG = Log.of("airlock");
    /** The audit log's service name for the daemon's own lines (requests served and refused). */
    static final String LOG_SERVICE = "airlock.Pendrive";
    /** The service whose policy decides a pendrive transaction's disposable. */
    static final String OPEN_IN_VM = BuiltInService.OPEN_IN_VM.serviceName();
    private static final String DISPVM = "@dispvm";
    private static final String PENDRIVE = "pendrive transaction: ";

    private final PendriveService service;

    private PendriveExchange(PendriveService service) {
        this.service = service;
    }

    /** Opens the exchange with 1 GiB pendrives in {@code images}. */
    static PendriveExchange open(Path images, PolicyStore policy, DomainViews views, AskQueue asks,
                                 AuditLog audit, Disposables disposables, PolicyApproval.Starter starter)
            throws IOException {
        // A pendrive goes to the one receiver its sender named: that is the only target offered, and the default,
        // so that a plain `airlock approve ID` answers it.
        PolicyApproval.Prompt prompt = (question, request, ask) ->
                asks.await(request.source(), new ServiceCall(request.service(), request.argument()),
                        new Decision.Ask(ask.requestedTarget(), List.of(request.target()), request.target(), ask.rule(),
                                ask.user(), ask.notifyUser(), ask.autostart(), ask.reason()));
        Audited approval = new Audited(audit, policy, views, prompt, starter);
        return new PendriveExchange(new PendriveService(images, Formatter.DEFAULT_SIZE, approval,
                new FromPool(disposables, views, policy, audit),
                line -> record(audit, new AuditLog.Entry(Instant.now(), null, null, LOG_SERVICE, null, null,
                        "log", line))));
    }

    @Override
    public void started(String name, Path channel) throws IOException {
        service.domainStarted(name, channel);
    }

    @Override
    public void stopped(String name) {
        service.domainStopped(name);
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The disposable template {@code d} allows a pendrive transaction, or why there is none. An {@code ask} is a
     * no: the daemon decides under its lock, which must not wait for the user.
     */
    static String allowedTemplate(Decision d) throws IOException {
        return switch (d) {
            case Decision.Allow a when a.target().startsWith(CallDecider.DISPVM_PREFIX) ->
                    a.target().substring(CallDecider.DISPVM_PREFIX.length());
            case Decision.Allow a -> throw new IOException(PENDRIVE + "refused: the policy sends " + OPEN_IN_VM
                    + " to " + a.target() + ", not to a new disposable");
            case Decision.Ask a -> throw new IOException(PENDRIVE + "refused: the policy asks for " + OPEN_IN_VM
                    + " to " + DISPVM + ", and a pendrive transaction cannot wait for an answer (use"
                    + " qvm-open-in-dvm without --pendrive)");
            case Decision.Deny n -> throw new IOException(PENDRIVE + "refused by policy: " + n.reason());
        };
    }

    private static void record(AuditLog audit, AuditLog.Entry e) {
        try {
            audit.append(e);
        } catch (IOException x) {
            LOG.log(Level.WARNING, "cannot write the audit log: " + x.getMessage());
        }
    }

    /**
     * The disposables of {@code send disposable}: allowed by the policy of {@value #OPEN_IN_VM} to {@code @dispvm}
     * (a second way to open a file in a disposable is decided by the same rule, and audited as one), of the
     * template it names, from the pool when one is ready, which the pool then replaces. Counted against the
     * caller's disposables like a call's.
     */
    private record FromPool(Disposables disposables, DomainViews views, PolicyStore policy,
                            AuditLog audit) implements DisposableDomains {
        @Override
        public String create(String forDomain) throws IOException {
            Decision d = policy.evaluate(new Request(forDomain, DISPVM, OPEN_IN_VM, ""), views.view());
            String template;
            try {
                template = allowedTemplate(d);
            } catch (IOException e) {
                audit(forDomain, DISPVM, d, "deny", e.getMessage());
                throw e;
            }
            String name;
            try {
                name = disposables.take(template, forDomain).name();
            } catch (IOException e) {
                audit(forDomain, CallDecider.DISPVM_PREFIX + template, d, "deny", PENDRIVE + "no disposable of "
                        + template + ": " + e.getMessage());
                throw e;
            }
            audit(forDomain, name, d, "allow", PENDRIVE + d.reason() + "; disposable " + name + " of " + template);
            disposables.refill(template);
            return name;
        }

        private void audit(String source, String target, Decision d, String action, String reason) {
            record(audit, new AuditLog.Entry(Instant.now(), source, target, OPEN_IN_VM, "",
                    d.rule() == null ? null : d.rule().location(), action, reason));
        }

        @Override
        public void destroy(String name) {
            disposables.destroy(name);
        }

        @Override
        public boolean isUnbound(String name) {
            return disposables.isUnbound(name);
        }
    }

    /** The policy's consent, each answer audited with the reason {@link PolicyApproval} gives for it. */
    static final class Audited implements Approval {
        private final AuditLog audit;
        private final PolicyApproval decider;
        private final ThreadLocal<String> reason = new ThreadLocal<>();

        Audited(AuditLog audit, PolicyStore policy, DomainViews views, PolicyApproval.Prompt prompt,
                PolicyApproval.Starter starter) {
            this.audit = audit;
            this.decider = new PolicyApproval(request -> evaluate(policy, views, request), prompt, reason::set,
                    starter);
        }

        private static Decision evaluate(PolicyStore policy, DomainViews views, Request request) {
            try {
                if (!views.isCurrent(request.source())) {
                    // As for calls: a sandbox a removed domain left running is not the new domain of its name.
                    return new Decision.Deny(request.requestedTarget(), null, true, "the sandbox of "
                            + request.source() + " was started for a domain of that name that is no longer in the "
                            + "registry");
                }
                return policy.evaluate(request, views.view());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the registry: " + e.getMessage(), e);
            }
        }

        @Override
        public boolean authorizeTransfer(String source, String dest) throws InterruptedException {
            return audited(PolicyApproval.SEND_SERVICE, source, dest, decider.authorizeTransfer(source, dest));
        }

        @Override
        public boolean authorizeTransferStarting(String source, String dest) throws InterruptedException {
            return audited(PolicyApproval.SEND_SERVICE, source, dest, decider.authorizeTransferStarting(source, dest));
        }

        @Override
        public boolean waitForRelease(String source, String dest) throws InterruptedException {
            return audited(PolicyApproval.WAIT_SERVICE, source, dest, decider.waitForRelease(source, dest));
        }

        private boolean audited(String service, String source, String dest, boolean yes) {
            record(audit, new AuditLog.Entry(Instant.now(), source, dest, service, "", null, yes ? "allow" : "deny",
                    reason.get()));
            reason.remove();
            return yes;
        }
    }
}
