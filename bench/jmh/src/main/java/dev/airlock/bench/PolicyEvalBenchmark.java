package dev.airlock.bench;

import dev.airlock.policy.Decision;
import dev.airlock.policy.DomainFacts;
import dev.airlock.policy.DomainView;
import dev.airlock.policy.Policy;
import dev.airlock.policy.Request;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One evaluation against a policy of 1,000 rules, where the deciding rule is the last one: every rule before it
 * is tried, a third of them down to the source and target tokens.
 */
@State(Scope.Benchmark)
public class PolicyEvalBenchmark {

    static final int RULES = 1000;

    private Path dir;
    private Policy policy;
    private DomainView domains;
    private Request allowRequest;
    private Request askRequest;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("airlock-bench-policy");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < RULES - 2; i++) {
            switch (i % 3) {
                case 0 -> text.append("other.Service").append(i).append(" * @anyvm @anyvm allow\n");
                case 1 -> text.append("bench.Call +arg").append(i).append(" @anyvm @anyvm deny\n");
                default -> text.append("bench.Call * @tag:team").append(i).append(" @type:TemplateVM deny\n");
            }
        }
        text.append("bench.Call * @anyvm @anyvm allow\n");
        text.append("bench.Ask * @anyvm @anyvm ask\n");
        Files.writeString(dir.resolve("50-bench.policy"), text);
        policy = Policy.load(dir);
        if (!policy.errors().isEmpty() || policy.rules().size() != RULES) {
            throw new IllegalStateException("benchmark policy did not load: " + policy.errors());
        }
        List<DomainFacts> list = new ArrayList<>();
        list.add(DomainFacts.host());
        list.add(new DomainFacts("default-dvm", "AppVM", Set.of(), false, null, true, null, false));
        for (int i = 0; i < 20; i++) {
            list.add(new DomainFacts("vm" + i, "AppVM", Set.of("team" + i), i % 2 == 0, "default-dvm", false,
                    null, false));
        }
        domains = DomainView.of(list);
        allowRequest = new Request("vm1", "vm2", "bench.Call", "");
        askRequest = new Request("vm1", "@default", "bench.Ask", "");
        if (!(policy.evaluate(allowRequest, domains) instanceof Decision.Allow)
                || !(policy.evaluate(askRequest, domains) instanceof Decision.Ask)) {
            throw new IllegalStateException("benchmark requests are not decided as intended");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The figure of the issue: an allow decided by the 1,000th rule. */
    @Benchmark
    public Decision evaluate() {
        return policy.evaluate(allowRequest, domains);
    }

    /** An ask: first match, then the walk over all rules from the bottom that builds the list of targets. */
    @Benchmark
    public Decision evaluateAsk() {
        return policy.evaluate(askRequest, domains);
    }
}
