package dev.airlock.broker;

import dev.airlock.policy.PolicyStore;

import java.util.List;
import java.util.UUID;

/** Routers and their parts for tests without sandboxes. */
final class Routers {
    private Routers() {
    }

    /** A router whose calls never reach a running target: decided by the policy, audited to {@code audit}. */
    static CallRouter deciding(PolicyStore policy, DomainViews views, AuditLog audit, AskQueue asks) {
        CallAudit calls = new CallAudit(audit);
        return new CallRouter().attach(null, new CallDecider(null, null, policy, views, asks, calls), null, calls);
    }

    /** Targets that all run; every start asked for is added to {@code started}. */
    static CallDecider.Targets allRunning(List<String> started) {
        return new CallDecider.Targets() {
            @Override
            public boolean isReady(String name, UUID uuid) {
                return true;
            }

            @Override
            public void start(String name) {
                started.add(name);
            }
        };
    }
}
