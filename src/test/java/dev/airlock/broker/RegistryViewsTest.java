package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;
import dev.airlock.policy.DomainFacts;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryViewsTest {

    @Test
    void everyChangeOfTheRegistryAndOfTheRunningSetIsSeen(@TempDir Path tmp) throws Exception {
        Registry registry = Registry.open(tmp);
        Set<String> running = ConcurrentHashMap.newKeySet();
        RegistryViews views = new RegistryViews(registry, running::contains, name -> false, (name, uuid) -> false);
        assertThat(views.view().find("work")).isEmpty();
        registry.update(d -> d.add(Domain.of("work", DomainClass.APP_VM, Label.RED)));
        assertThat(views.view().find("work")).map(DomainFacts::running).contains(false);
        running.add("work");
        assertThat(views.view().find("work")).map(DomainFacts::running).contains(true);
        registry.update(d -> d.add(Domain.of("personal", DomainClass.APP_VM, Label.GREEN)));
        registry.update(d -> d.remove("work"));
        assertThat(views.view().find("work")).isEmpty();
        assertThat(views.view().find("personal")).isPresent();
    }

    /** Calls check the running sandbox against this uuid: a domain created again under its name has another. */
    @Test
    void theUuidOfANameIsThatOfTheDomainTheRegistryHoldsNow(@TempDir Path tmp) throws Exception {
        Registry registry = Registry.open(tmp);
        RegistryViews views = new RegistryViews(registry, name -> false, name -> false, (name, uuid) -> false);
        assertThat(views.uuid("attacker")).isEmpty();
        registry.update(d -> d.add(Domain.of("attacker", DomainClass.APP_VM, Label.RED)));
        Optional<UUID> first = views.uuid("attacker");
        registry.update(d -> d.remove("attacker"));
        assertThat(views.uuid("attacker")).isEmpty();
        registry.update(d -> d.add(Domain.of("attacker", DomainClass.APP_VM, Label.RED)));

        Optional<UUID> second = views.uuid("attacker");

        assertThat(first).isPresent();
        assertThat(second).isPresent().isNotEqualTo(first);
        assertThat(second.get()).isEqualTo(registry.read(d -> d.require("attacker").uuid()));
    }

    /**
     * A start can slip in while a domain is removed, leaving its sandbox running under the name: once the name is
     * a new domain's, that sandbox's calls must not count as the new domain's.
     */
    @Test
    void aSandboxLeftByARemovedDomainIsNotCurrentForTheNewDomainOfItsName(@TempDir Path tmp) throws Exception {
        Registry registry = Registry.open(tmp);
        registry.update(d -> d.add(Domain.of("attacker", DomainClass.APP_VM, Label.RED)));
        UUID sandboxFor = registry.read(d -> d.require("attacker").uuid());
        RegistryViews views = new RegistryViews(registry, name -> true, name -> false,
                (name, uuid) -> name.equals("attacker") && uuid.equals(sandboxFor));
        assertThat(views.isCurrent("attacker")).isTrue();

        registry.update(d -> d.remove("attacker"));
        assertThat(views.isCurrent("attacker")).as("removed, sandbox still running").isFalse();
        registry.update(d -> d.add(Domain.of("attacker", DomainClass.APP_VM, Label.RED)));

        assertThat(views.isCurrent("attacker")).as("the name is a new domain's").isFalse();
        assertThat(views.isCurrent("nobody")).isFalse();
    }
}
