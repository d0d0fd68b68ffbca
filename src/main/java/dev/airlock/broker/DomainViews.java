package dev.airlock.broker;

import dev.airlock.policy.DomainView;

import java.io.IOException;
import java.util.Optional;
import java.util.UUID;

/** The domains as the policy sees them, the running ones marked. */
interface DomainViews {
    DomainView view() throws IOException;

    /** The uuid of the domain the registry holds under {@code name} now, if any. */
    Optional<UUID> uuid(String name) throws IOException;

    /**
     * Whether the sandbox whose socket is {@code name}'s was started for the domain the registry holds under that
     * name now: false for one that a removed domain of that name left running.
     */
    boolean isCurrent(String name) throws IOException;
}
