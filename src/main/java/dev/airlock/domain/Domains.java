package dev.airlock.domain;

import dev.airlock.policy.DomainFacts;
import dev.airlock.policy.DomainView;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * All the stored domains, as an immutable value: changes return a new {@code Domains}. Every value is
 * consistent: names are unique, and every template and default_dispvm names a domain of the right kind, so
 * a registry that would break these rules can be neither built nor saved. The host is not stored as a domain; its
 * one setting is the global {@linkplain #defaultDispvm() default_dispvm} ({@code qubes-prefs default_dispvm}),
 * which every domain without one of its own uses.
 */
public final class Domains {

    /** The most domains a registry may hold; bounds the work of every reader of the file. */
    public static final int MAX_DOMAINS = 10_000;

    private static final Domains EMPTY = new Domains(new TreeMap<>(), null);

    private final SortedMap<String, Domain> byName;
    /** The global default_dispvm, or {@code null}. */
    private final String defaultDispvm;

    private Domains(TreeMap<String, Domain> byName, String defaultDispvm) {
        if (byName.size() > MAX_DOMAINS) {
            throw new IllegalArgumentException("more than " + MAX_DOMAINS + " domains");
        }
        for (Domain d : byName.values()) {
            checkReferences(byName, d);
        }
        if (defaultDispvm != null) {
            DomainNames.requireName("the global default_dispvm", defaultDispvm);
            Domain t = byName.get(defaultDispvm);
            if (t == null || !t.templateForDispvms()) {
                throw new IllegalArgumentException("the global default_dispvm " + defaultDispvm
                        + (t == null ? " does not exist" : " is not a disposable template (template_for_dispvms)"));
            }
        }
        this.byName = Collections.unmodifiableSortedMap(byName);
        this.defaultDispvm = defaultDispvm;
    }

    /** No domains. */
    public static Domains empty() {
        return EMPTY;
    }

    /**
     * These domains.
     *
     * @throws IllegalArgumentException if a name appears twice or a reference is broken
     */
    public static Domains of(Collection<Domain> domains) {
        TreeMap<String, Domain> map = new TreeMap<>();
        for (Domain d : domains) {
            if (map.put(d.name(), d) != null) {
                throw new IllegalArgumentException("domain " + d.name() + " is listed twice");
            }
        }
        return new Domains(map, null);
    }

    /**
     * The global default disposable template ({@code airlock prefs --global default_dispvm}), or {@code null} when
     * none is set: what {@code @dispvm} means for the host and for every domain that names none of its own.
     */
    public String defaultDispvm() {
        return defaultDispvm;
    }

    /**
     * These domains with the global default_dispvm set to {@code template} ({@code null} unsets it).
     *
     * @throws IllegalArgumentException if {@code template} is not a disposable template of these domains
     */
    public Domains withDefaultDispvm(String template) {
        return new Domains(new TreeMap<>(byName), template);
    }

    /**
     * The disposable template {@code d}'s {@code @dispvm} calls get: its own default_dispvm, else the global one;
     * {@code null} when neither is set.
     */
    public String effectiveDefaultDispvm(Domain d) {
        return d.defaultDispvm() != null ? d.defaultDispvm() : defaultDispvm;
    }

    /** The domain of that name, if stored. */
    public Optional<Domain> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /**
     * The domain of that name.
     *
     * @throws IllegalArgumentException if there is none
     */
    public Domain require(String name) {
        Domain d = byName.get(name);
        if (d == null) {
            throw new IllegalArgumentException("no such domain: " + name);
        }
        return d;
    }

    /** Every stored domain, sorted by name. */
    public List<Domain> all() {
        return List.copyOf(byName.values());
    }

    public int size() {
        return byName.size();
    }

    /**
     * These domains and {@code domain}.
     *
     * @throws IllegalArgumentException if a domain of that name exists, or its references are broken
     */
    public Domains add(Domain domain) {
        if (byName.containsKey(domain.name())) {
            throw new IllegalArgumentException("domain " + domain.name() + " already exists");
        }
        TreeMap<String, Domain> map = new TreeMap<>(byName);
        map.put(domain.name(), domain);
        return new Domains(map, defaultDispvm);
    }

    /**
     * These domains with the one of {@code domain}'s name replaced by it.
     *
     * @throws IllegalArgumentException if there is no domain of that name, its class would change, or a
     *                                  reference would break
     */
    public Domains replace(Domain domain) {
        Domain old = require(domain.name());
        if (old.domainClass() != domain.domainClass()) {
            throw new IllegalArgumentException("domain " + domain.name() + ": the class of a domain cannot change");
        }
        TreeMap<String, Domain> map = new TreeMap<>(byName);
        map.put(domain.name(), domain);
        return new Domains(map, defaultDispvm);
    }

    /**
     * These domains without the one of that name.
     *
     * @throws IllegalArgumentException if there is none, or another domain refers to it
     */
    public Domains remove(String name) {
        require(name);
        List<String> users = referrers(name);
        if (!users.isEmpty()) {
            throw new IllegalArgumentException("cannot remove " + name + ": it is the template or default_dispvm of "
                    + String.join(", ", users));
        }
        if (name.equals(defaultDispvm)) {
            throw new IllegalArgumentException("cannot remove " + name + ": it is the global default_dispvm (unset it "
                    + "first: airlock prefs --global default_dispvm '')");
        }
        TreeMap<String, Domain> map = new TreeMap<>(byName);
        map.remove(name);
        return new Domains(map, defaultDispvm);
    }

    /** The names of the other domains whose template or default_dispvm is {@code name}, sorted. */
    List<String> referrers(String name) {
        List<String> users = new ArrayList<>();
        for (Domain d : byName.values()) {
            if (!d.name().equals(name) && d.refersTo(name)) {
                users.add(d.name());
            }
        }
        return users;
    }

    /**
     * These domains and the host, as the policy sees them. Whether a domain runs is not stored: the caller
     * (the broker) knows it.
     */
    public DomainView asView(Predicate<String> running) {
        return asView(running, name -> false);
    }

    /**
     * As {@link #asView(Predicate)}, with the domains {@code internal} accepts marked internal: never offered in an
     * ask unless a rule names them (the broker's disposables waiting in its pool).
     */
    public DomainView asView(Predicate<String> running, Predicate<String> internal) {
        List<DomainFacts> facts = new ArrayList<>(byName.size() + 1);
        // The host's @dispvm is the global default, as dom0's default_dispvm is in Qubes.
        DomainFacts host = DomainFacts.host();
        facts.add(new DomainFacts(host.name(), host.type(), host.tags(), host.running(), defaultDispvm,
                host.dispvmTemplate(), host.template(), host.internal()));
        for (Domain d : byName.values()) {
            // DomainFacts.template is only the disposable template of a disposable, not an AppVM's TemplateVM.
            String dispvmTemplate = d.domainClass() == DomainClass.DISP_VM ? d.template() : null;
            facts.add(new DomainFacts(d.name(), d.domainClass().typeName(), d.tags(), running.test(d.name()),
                    effectiveDefaultDispvm(d), d.templateForDispvms(), dispvmTemplate, internal.test(d.name())));
        }
        return DomainView.of(facts);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Domains other && byName.equals(other.byName)
                && Objects.equals(defaultDispvm, other.defaultDispvm);
    }

    @Override
    public int hashCode() {
        return byName.hashCode() * 31 + Objects.hashCode(defaultDispvm);
    }

    @Override
    public String toString() {
        return "Domains" + byName.values() + (defaultDispvm == null ? "" : " default_dispvm=" + defaultDispvm);
    }

    private static void checkReferences(SortedMap<String, Domain> all, Domain d) {
        if (d.template() != null) {
            Domain t = all.get(d.template());
            if (d.domainClass() == DomainClass.DISP_VM) {
                if (t == null || !t.templateForDispvms()) {
                    throw new IllegalArgumentException("domain " + d.name() + ": its template " + d.template()
                            + (t == null ? " does not exist" : " is not a disposable template (template_for_dispvms)"));
                }
            } else if (t == null || t.domainClass() != DomainClass.TEMPLATE_VM) {
                throw new IllegalArgumentException("domain " + d.name() + ": its template " + d.template()
                        + (t == null ? " does not exist" : " is not a TemplateVM"));
            }
        }
        if (d.defaultDispvm() != null) {
            Domain t = all.get(d.defaultDispvm());
            if (t == null || !t.templateForDispvms()) {
                throw new IllegalArgumentException("domain " + d.name() + ": its default_dispvm " + d.defaultDispvm()
                        + (t == null ? " does not exist" : " is not a disposable template (template_for_dispvms)"));
            }
        }
    }
}
