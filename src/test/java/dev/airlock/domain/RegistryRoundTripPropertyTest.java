package dev.airlock.domain;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Random consistent registries are written and read back to equal values, byte-for-byte stable. */
class RegistryRoundTripPropertyTest {

    private static final List<String> TAG_POOL = List.of("a", "created-by-work", "Z_9", "-", "_",
            "x".repeat(DomainNames.MAX_TAG_CHARS));

    private static Path home;

    @BeforeContainer
    static void makeHome() throws IOException {
        home = Files.createTempDirectory("registry-props");
    }

    @AfterContainer
    static void removeHome() throws IOException {
        try (Stream<Path> s = Files.walk(home)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Property(tries = 300)
    void writeThenParseGivesTheSameDomains(@ForAll("registries") Domains domains) throws IOException {
        byte[] xml = RegistryXml.write(domains);
        Domains back = RegistryXml.parse(xml);
        assertThat(back).isEqualTo(domains);
        assertThat(RegistryXml.write(back)).as("deterministic output").isEqualTo(xml);
    }

    @Property(tries = 25)
    void saveThenLoadThroughTheRegistryGivesTheSameDomains(@ForAll("registries") Domains domains)
            throws IOException {
        Registry registry = Registry.open(home);
        registry.update(old -> Domains.empty());
        assertThat(registry.update(old -> domains)).isEqualTo(domains);
        Domains loaded = registry.read(d -> d);
        assertThat(loaded).isEqualTo(domains);
    }

    @Provide
    Arbitrary<Domains> registries() {
        Arbitrary<String> names = Combinators.combine(
                        Arbitraries.chars().range('a', 'z').with('A', 'Q', 'Z'),
                        Arbitraries.strings().withChars("abcxyzABC0189_.-").ofMaxLength(DomainNames.MAX_NAME_CHARS - 1))
                .as((first, rest) -> first + rest)
                .filter(n -> DomainNames.nameProblem(n) == null);
        return Combinators.combine(names.list().uniqueElements().ofMaxSize(20), Arbitraries.randoms())
                .as(RegistryRoundTripPropertyTest::build);
    }

    /** Builds domains in order, each referring only to earlier domains of the right kind. */
    private static Domains build(List<String> names, Random r) {
        Domains domains = Domains.empty();
        for (String name : names) {
            List<String> templates = new ArrayList<>();
            List<String> dvms = new ArrayList<>();
            for (Domain d : domains.all()) {
                if (d.domainClass() == DomainClass.TEMPLATE_VM) {
                    templates.add(d.name());
                }
                if (d.templateForDispvms()) {
                    dvms.add(d.name());
                }
            }
            Label label = Label.values()[r.nextInt(Label.values().length)];
            Domain d = switch (r.nextInt(4)) {
                case 0 -> Domain.of(name, DomainClass.TEMPLATE_VM, label);
                case 1 -> Domain.of(name, DomainClass.APP_VM, label).withTemplate(pick(templates, r));
                case 2 -> Domain.of(name, DomainClass.APP_VM, label).withTemplate(pick(templates, r))
                        .withTemplateForDispvms(true).withDefaultDispvm(r.nextBoolean() ? name : null);
                default -> dvms.isEmpty() ? Domain.of(name, DomainClass.TEMPLATE_VM, label)
                        : Domain.disposable(name, label, dvms.get(r.nextInt(dvms.size())));
            };
            if (d.defaultDispvm() == null) {
                d = d.withDefaultDispvm(pick(dvms, r));
            }
            Set<String> tags = new TreeSet<>();
            for (String t : TAG_POOL) {
                if (r.nextInt(3) == 0) {
                    tags.add(t);
                }
            }
            domains = domains.add(d.withTags(tags).withAutostart(r.nextBoolean()));
        }
        return domains;
    }

    private static String pick(List<String> from, Random r) {
        return from.isEmpty() || r.nextBoolean() ? null : from.get(r.nextInt(from.size()));
    }
}
