package dev.airlock.broker;

import dev.airlock.domain.Domain;
import dev.airlock.domain.Domains;
import dev.airlock.domain.Registry;
import dev.airlock.policy.DomainView;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * The registry as the policy sees it, for every call: parsed again only when {@code domains.xml} changed (a save
 * replaces the file, so its identity, time or size moves), since parsing it costs more than the rest of a call's
 * decision.
 */
final class RegistryViews implements DomainViews {
    /** The file as it was just before {@code domains} were read from it. */
    private record Snapshot(Object fileKey, FileTime modified, long size, Domains domains) {
        boolean matches(BasicFileAttributes a) {
            return Objects.equals(fileKey, a.fileKey()) && modified.equals(a.lastModifiedTime()) && size == a.size();
        }
    }

    private final Registry registry;
    private final Predicate<String> running;
    private final Predicate<String> internal;
    private final BiPredicate<String, UUID> startedFor;
    private volatile Snapshot snapshot;

    /**
     * @param running    whether a domain runs
     * @param internal   whether a domain is one the policy must not offer in an ask unless a rule names it
     * @param startedFor whether the sandbox that runs under a name was started for the domain of that uuid
     */
    RegistryViews(Registry registry, Predicate<String> running, Predicate<String> internal,
                  BiPredicate<String, UUID> startedFor) {
        this.registry = registry;
        this.running = running;
        this.internal = internal;
        this.startedFor = startedFor;
    }

    @Override
    public DomainView view() throws IOException {
        return domains().asView(running, internal);
    }

    @Override
    public Optional<UUID> uuid(String name) throws IOException {
        return domains().get(name).map(Domain::uuid);
    }

    @Override
    public boolean isCurrent(String name) throws IOException {
        return uuid(name).filter(u -> startedFor.test(name, u)).isPresent();
    }

    private Domains domains() throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(registry.file(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Domains.empty();
        }
        Snapshot s = snapshot;
        if (s == null || !s.matches(a)) {
            // Read after the attributes: a change in between is newer than the key and is read again next time.
            s = new Snapshot(a.fileKey(), a.lastModifiedTime(), a.size(), registry.read(d -> d));
            snapshot = s;
        }
        return s.domains();
    }
}
