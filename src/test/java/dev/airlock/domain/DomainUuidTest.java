package dev.airlock.domain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A domain's uuid is what ties a running sandbox to the registry entry it was started for (issue 10): it must
 * never repeat for a later domain of the same name, must not change between reads, and a registry cannot give
 * one uuid to two domains.
 */
class DomainUuidTest {
    @TempDir
    Path home;

    private static String registryOf(String domains) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<domains version=\"1\">\n" + domains + "</domains>\n";
    }

    @Test
    void aDomainRemovedAndCreatedAgainUnderItsNameGetsANewUuid() throws IOException {
        Registry registry = Registry.open(home);
        registry.update(all -> all.add(Domain.of("attacker", DomainClass.APP_VM, Label.RED)));
        UUID first = registry.read(all -> all.require("attacker").uuid());
        registry.update(all -> all.remove("attacker"));
        registry.update(all -> all.add(Domain.of("attacker", DomainClass.APP_VM, Label.RED)));

        UUID second = registry.read(all -> all.require("attacker").uuid());

        assertThat(second).isNotEqualTo(first);
        UUID again = registry.read(all -> all.require("attacker").uuid());
        assertThat(again).as("stable across reads").isEqualTo(second);
    }

    @Test
    void changesKeepTheUuid() throws IOException {
        Registry registry = Registry.open(home);
        registry.update(all -> all.add(Domain.of("work", DomainClass.APP_VM, Label.RED)));
        UUID uuid = registry.read(all -> all.require("work").uuid());

        registry.update(all -> all.replace(all.require("work").withLabel(Label.BLUE).withAutostart(true)));

        UUID after = registry.read(all -> all.require("work").uuid());
        assertThat(after).isEqualTo(uuid);
    }

    @Test
    void aRegistryFromBeforeUuidsGetsTheSameUuidAtEveryReadAndKeepsItWhenSaved() throws IOException {
        Files.writeString(home.resolve(Registry.FILE_NAME), registryOf(
                "<domain name=\"old\" class=\"AppVM\"><label>red</label></domain>\n"), StandardCharsets.UTF_8);
        Registry registry = Registry.open(home);
        UUID read1 = registry.read(all -> all.require("old").uuid());
        UUID read2 = registry.read(all -> all.require("old").uuid());

        registry.update(all -> all.add(Domain.of("new", DomainClass.APP_VM, Label.RED)));

        assertThat(read2).isEqualTo(read1);
        assertThat(Files.readString(home.resolve(Registry.FILE_NAME))).contains("<uuid>" + read1 + "</uuid>");
        UUID saved = registry.read(all -> all.require("old").uuid());
        assertThat(saved).isEqualTo(read1);
    }

    @Test
    void aRegistryCannotGiveOneUuidToTwoDomains() throws IOException {
        String u = UUID.randomUUID().toString();
        Files.writeString(home.resolve(Registry.FILE_NAME), registryOf(
                "<domain name=\"a\" class=\"AppVM\"><uuid>" + u + "</uuid><label>red</label></domain>\n"
                        + "<domain name=\"b\" class=\"AppVM\"><uuid>" + u + "</uuid><label>red</label></domain>\n"),
                StandardCharsets.UTF_8);

        assertThatThrownBy(() -> Registry.open(home).read(Domains::size)).isInstanceOf(IOException.class)
                .hasMessageContaining("domain b: uuid " + u + " belongs to another domain too");
    }

    @Test
    void aUuidInAnotherSpellingIsRefused() throws IOException {
        Files.writeString(home.resolve(Registry.FILE_NAME), registryOf(
                "<domain name=\"a\" class=\"AppVM\"><uuid>" + UUID.randomUUID().toString().toUpperCase()
                        + "</uuid><label>red</label></domain>\n"), StandardCharsets.UTF_8);

        assertThatThrownBy(() -> Registry.open(home).read(Domains::size)).isInstanceOf(IOException.class)
                .hasMessageContaining("domain a: <uuid>: expected a uuid");
    }
}
