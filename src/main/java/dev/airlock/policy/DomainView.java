package dev.airlock.policy;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A read-only view of the domains, as the policy needs it. The domain registry implements it; so do
 * {@link #of(Collection)} and {@link SystemInfoFile} for tests and for {@code airlock policy eval}.
 * Implementations must give a consistent picture for the duration of one evaluation.
 */
public interface DomainView {

    /** The domain of that name, if it exists. */
    Optional<DomainFacts> find(String name);

    /** Every domain, the host included. */
    Collection<DomainFacts> all();

    /** A view of exactly these domains, plus the host if they do not include it. */
    static DomainView of(Collection<DomainFacts> domains) {
        Map<String, DomainFacts> byName = new LinkedHashMap<>();
        byName.put(Names.HOST, DomainFacts.host());
        boolean hostGiven = false;
        for (DomainFacts d : domains) {
            if (d.isHost()) {
                if (hostGiven) {
                    throw new IllegalArgumentException("domain " + d.name() + " is listed twice");
                }
                hostGiven = true;
            } else if (byName.containsKey(d.name())) {
                throw new IllegalArgumentException("domain " + d.name() + " is listed twice");
            }
            byName.put(d.name(), d);
        }
        Map<String, DomainFacts> map = Map.copyOf(byName);
        List<DomainFacts> list = List.copyOf(byName.values());
        return new DomainView() {
            @Override
            public Optional<DomainFacts> find(String name) {
                return Optional.ofNullable(map.get(name));
            }

            @Override
            public Collection<DomainFacts> all() {
                return list;
            }
        };
    }

    /** A view that knows only the host; what airlock uses until the domain registry exists. */
    static DomainView hostOnly() {
        return of(List.of());
    }
}
