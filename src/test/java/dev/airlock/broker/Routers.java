package dev.airlock.broker;

import dev.airlock.policy.PolicyStore;

/** Routers for tests whose calls never reach a running target: decided by the policy, audited to {@code audit}. */
final class Routers {
    private Routers() {
    }

    static CallRouter deciding(PolicyStore policy, DomainViews views, AuditLog audit, AskQueue asks) {
        CallAudit calls = new CallAudit(audit);
        return new CallRouter().attach(null, new CallDecider(null, null, policy, views, asks, calls), null, calls);
    }
}
