package dev.airlock.policy;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Every SOURCE and TARGET token against every kind of domain (plain, tagged, template, disposable template,
 * disposable, the host) and every kind of requested target. A rule matched when the decision names it.
 */
class TokenMatchingTest {

    @TempDir
    static Path dir;

    /** One policy folder per rule text, shared by the cases that use it. */
    private static final Map<String, Policy> POLICIES = new java.util.concurrent.ConcurrentHashMap<>();

    private static Policy policy(String rule) {
        return POLICIES.computeIfAbsent(rule,
                r -> TestDomains.policy(dir.resolve(Integer.toString(POLICIES.size())), r));
    }

    /** Sources: the host, tagged and plain AppVMs, a template, a disposable template, two disposables. */
    private static final List<String> SOURCES =
            List.of("dom0", "work", "personal", "vault", "fedora", "default-dvm", "disp123", "disp456");

    private static final Map<String, Set<String>> SOURCE_MATCHES = Map.ofEntries(
            entry("work", Set.of("work")),
            entry("dom0", Set.of("dom0")),
            entry("@adminvm", Set.of("dom0")),
            entry("@anyvm", Set.of("work", "personal", "vault", "fedora", "default-dvm", "disp123", "disp456")),
            entry("*", Set.copyOf(SOURCES)),
            entry("@tag:work", Set.of("work")),
            entry("@tag:dvmt", Set.of("default-dvm")),
            entry("@type:AppVM", Set.of("work", "personal", "vault", "default-dvm")),
            entry("@type:TemplateVM", Set.of("fedora")),
            entry("@type:DispVM", Set.of("disp123", "disp456")),
            entry("@type:AdminVM", Set.of("dom0")),
            entry("@dispvm:@tag:dvmt", Set.of("disp123")),
            entry("@dispvm:@tag:work", Set.of()));

    /** Requests from personal (default disposable template default-dvm) for every kind of target. */
    private static final List<String> REQUESTS = List.of("@adminvm", "dom0", "work", "vault", "fedora",
            "default-dvm", "disp123", "@dispvm", "@dispvm:default-dvm", "@dispvm:other-dvm", "@default", "",
            "nosuch", "@dispvm:work", "@dispvm:nosuch");

    private static final Set<String> NO_TARGET = Set.of("@default", "", "nosuch", "@dispvm:work", "@dispvm:nosuch");

    private static final Map<String, Set<String>> TARGET_MATCHES = Map.ofEntries(
            entry("work", Set.of("work")),
            entry("dom0", Set.of("@adminvm", "dom0")),
            entry("@adminvm", Set.of("@adminvm", "dom0")),
            entry("@anyvm", except(Set.of("@adminvm", "dom0"))),
            entry("*", Set.copyOf(REQUESTS)),
            entry("@tag:work", Set.of("work")),
            entry("@tag:dvmt", Set.of("default-dvm")),
            entry("@type:AppVM", Set.of("work", "vault", "default-dvm")),
            entry("@type:TemplateVM", Set.of("fedora")),
            entry("@type:DispVM", Set.of("disp123")),
            entry("@type:AdminVM", Set.of("@adminvm", "dom0")),
            entry("@dispvm", Set.of("@dispvm")),
            entry("@dispvm:default-dvm", Set.of("@dispvm", "@dispvm:default-dvm")),
            entry("@dispvm:other-dvm", Set.of("@dispvm:other-dvm")),
            entry("@dispvm:@tag:dvmt", Set.of("@dispvm", "@dispvm:default-dvm")),
            entry("@default", NO_TARGET));

    private static Set<String> except(Set<String> left) {
        List<String> all = new ArrayList<>(REQUESTS);
        all.removeAll(left);
        return Set.copyOf(all);
    }

    static Stream<Arguments> sourceCases() {
        return SOURCE_MATCHES.entrySet().stream().flatMap(e -> SOURCES.stream()
                .map(s -> arguments(e.getKey(), s, e.getValue().contains(s))));
    }

    static Stream<Arguments> targetCases() {
        return TARGET_MATCHES.entrySet().stream().flatMap(e -> REQUESTS.stream()
                .map(t -> arguments(e.getKey(), t, e.getValue().contains(t))));
    }

    @ParameterizedTest(name = "source {0} vs {1}: {2}")
    @MethodSource("sourceCases")
    void sourceTokenMatchesExactlyItsDomains(String token, String source, boolean matches) {
        Policy p = policy("test.Svc * " + token + " * deny");
        Decision d = p.evaluate(new Request(source, "@default", "test.Svc", ""), TestDomains.ALL);
        assertThat(d.rule() != null).as("rule matched").isEqualTo(matches);
    }

    @ParameterizedTest(name = "target {0} vs request {1}: {2}")
    @MethodSource("targetCases")
    void targetTokenMatchesExactlyItsRequests(String token, String requested, boolean matches) {
        Policy p = policy("test.Svc * personal " + token + " deny");
        Decision d = p.evaluate(new Request("personal", requested, "test.Svc", ""), TestDomains.ALL);
        assertThat(d.rule() != null).as("rule matched").isEqualTo(matches);
    }
}
