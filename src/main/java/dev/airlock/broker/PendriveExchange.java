package dev.airlock.broker;

import dev.airlock.pendrive.Approval;
import dev.airlock.pendrive.PolicyApproval;
import dev.airlock.pendrive.fat.Formatter;
import dev.airlock.pendrive.host.DisposableDomains;
import dev.airlock.pendrive.host.PendriveService;
import dev.airlock.policy.Decision;
import dev.airlock.policy.DomainFacts;
import dev.airlock.policy.PolicyStore;
import dev.airlock.policy.Request;
import dev.airlock.qrexec.ServiceCall;

import java.io.IOException;
import java.io.UncheckedIOException;
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
    /** The audit log's service name for the daemon's own lines (requests served and refused). */
    static final String LOG_SERVICE = "airlock.Pendrive";

    private final PendriveService service;

    private PendriveExchange(PendriveService service) {
        this.service = service;
    }

    /** Opens the exchange with 1 GiB pendrives in {@code images}. */
    static PendriveExchange open(Path images, PolicyStore policy, CallRouter.DomainViews views, AskQueue asks,
                                 AuditLog audit, Disposables disposables) throws IOException {
        // A pendrive goes to the one receiver its sender named: that is the only target offered, and the default,
        // so that a plain `airlock approve ID` answers it.
        PolicyApproval.Prompt prompt = (question, request, ask) ->
                asks.await(request.source(), new ServiceCall(request.service(), request.argument()),
                        new Decision.Ask(ask.requestedTarget(), List.of(request.target()), request.target(), ask.rule(),
                                ask.user(), ask.notifyUser(), ask.autostart(), ask.reason()));
        Audited approval = new Audited(audit, policy, views, prompt);
        return new PendriveExchange(new PendriveService(images, Formatter.DEFAULT_SIZE, approval,
                new FromPool(disposables, views),
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

    private static void record(AuditLog audit, AuditLog.Entry e) {
        try {
            audit.append(e);
        } catch (IOException x) {
            System.err.println("airlock: cannot write the audit log: " + x.getMessage());
        }
    }

    /**
     * The disposables of {@code send disposable}: one of the sender's default disposable template
     * ({@code default_dispvm}), from the pool when one is ready, which the pool then replaces.
     */
    private record FromPool(Disposables disposables, CallRouter.DomainViews views) implements DisposableDomains {
        @Override
        public String create(String forDomain) throws IOException {
            String template = views.view().find(forDomain).map(DomainFacts::defaultDispvm).orElse(null);
            if (template == null) {
                throw new IOException(forDomain + " has no default disposable template (default_dispvm)");
            }
            String name = disposables.take(template, forDomain).name();
            disposables.refill(template);
            return name;
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
    private static final class Audited implements Approval {
        private final AuditLog audit;
        private final PolicyApproval decider;
        private final ThreadLocal<String> reason = new ThreadLocal<>();

        Audited(AuditLog audit, PolicyStore policy, CallRouter.DomainViews views, PolicyApproval.Prompt prompt) {
            this.audit = audit;
            this.decider = new PolicyApproval(request -> evaluate(policy, views, request), prompt, reason::set);
        }

        private static Decision evaluate(PolicyStore policy, CallRouter.DomainViews views, Request request) {
            try {
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
