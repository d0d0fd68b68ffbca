package dev.airlock.domain;

import dev.airlock.policy.DomainFacts;
import dev.airlock.policy.DomainView;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * All the stored domains, as an immutable value: changes return a new {@code Domains}. Every value is
 * consistent: names are unique, and every template and default_dispvm names a domain of the right kind, so
 * a registry that would break these rules can be neither built nor saved. The host is not stored.
 */
public final class Domains {

    /** The most domains a registry may hold; bounds the work of every reader of the file. */
    public static final int MAX_DOMAINS = 10_000;

    private static final Domains EMPTY = new Domains(new TreeMap<>());

    private final SortedMap<String, Domain> byName;

    private Domains(TreeMap<String, Domain> byName) {
        if (byName.size() > MAX_DOMAINS) {
            throw new IllegalArgumentException("more than " + MAX_DOMAINS + " domains");
        }
        for (Domain d : byName.values()) {
            checkReferences(byName, d);
        }
        this.byName = Collections.unmodifiableSortedMap(byName);
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
        return new Domains(map);
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
        return new Domains(map);
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
        return new Domains(map);
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
        TreeMap<String, Domain> map = new TreeMap<>(byName);
        map.remove(name);
        return new Domains(map);
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
        List<DomainFacts> facts = new ArrayList<>(byName.size());
        for (Domain d : byName.values()) {
            // DomainFacts.template is only the disposable template of a disposable, not an AppVM's TemplateVM.
            String dispvmTemplate = d.domainClass() == DomainClass.DISP_VM ? d.template() : null;
            facts.add(new DomainFacts(d.name(), d.domainClass().typeName(), d.tags(), running.test(d.name()),
                    d.defaultDispvm(), d.templateForDispvms(), dispvmTemplate, internal.test(d.name())));
        }
        return DomainView.of(facts);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Domains other && byName.equals(other.byName);
    }

    @Override
    public int hashCode() {
        return byName.hashCode();
    }

    @Override
    public String toString() {
        return "Domains" + byName.values();
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
