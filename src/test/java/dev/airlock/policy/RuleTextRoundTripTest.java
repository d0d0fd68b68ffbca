package dev.airlock.policy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A rule printed back to text parses to the same rule, whatever its tokens and parameters. */
class RuleTextRoundTripTest {

    private static LineParser.Line parse(String line) {
        return LineParser.parse(line, "f.policy", 3);
    }

    @Property(tries = 1000)
    void printedRuleParsesToTheSameRule(@ForAll("lines") String line) {
        LineParser.Line first = parse(line);
        assertThat(first).as(line).isInstanceOf(LineParser.Line.Ok.class);
        Rule rule = ((LineParser.Line.Ok) first).rule();
        LineParser.Line again = parse(rule.text());
        assertThat(again).isEqualTo(first);
    }

    @Property(tries = 200)
    void defaultPolicyRulesRoundTrip(@ForAll("defaultPolicyLines") String line) {
        LineParser.Line first = parse(line);
        if (first instanceof LineParser.Line.Ok(Rule rule)) {
            assertThat(parse(rule.text())).isEqualTo(first);
        }
    }

    @Provide
    Arbitrary<String> defaultPolicyLines() {
        return Arbitraries.of(PolicyLocation.DEFAULT_POLICY.split("\n"));
    }

    private static Arbitrary<String> name() {
        return Combinators.combine(
                Arbitraries.chars().range('a', 'z').range('A', 'Z'),
                Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9')
                        .withChars("._-").ofMaxLength(30))
                .as((c, rest) -> c + rest);
    }

    private static Arbitrary<String> word(int max) {
        return Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9')
                .withChars("._-").ofMinLength(1).ofMaxLength(max);
    }

    private static Arbitrary<String> sourceToken() {
        return Arbitraries.oneOf(name(), Arbitraries.of("@anyvm", "*", "@adminvm", "dom0"),
                word(20).map(t -> "@tag:" + t), word(20).map(t -> "@type:" + t),
                word(20).map(t -> "@dispvm:@tag:" + t));
    }

    private static Arbitrary<String> dispvmOf() {
        return name().filter(n -> !n.equals("dom0")).map(n -> "@dispvm:" + n);
    }

    private static Arbitrary<String> targetToken() {
        return Arbitraries.oneOf(sourceToken(), Arbitraries.of("@dispvm", "@default"), dispvmOf());
    }

    private static Arbitrary<String> redirect() {
        return Arbitraries.oneOf(name(), Arbitraries.of("@adminvm", "@dispvm"), dispvmOf());
    }

    private static Arbitrary<String> yesNo(String key) {
        return Arbitraries.of("yes", "no").map(v -> key + "=" + v);
    }

    private static Arbitrary<List<String>> params(boolean ask) {
        Arbitrary<String> user = word(32).filter(u -> !u.startsWith("-")).map(u -> "user=" + u);
        List<Arbitrary<String>> optional = new ArrayList<>(List.of(
                redirect().map(t -> "target=" + t).injectNull(0.5),
                user.injectNull(0.5),
                yesNo("notify").injectNull(0.5),
                yesNo("autostart").injectNull(0.5)));
        if (ask) {
            optional.add(redirect().map(t -> "default_target=" + t).injectNull(0.5));
        }
        return Combinators.combine(optional).as(values -> {
            List<String> present = new ArrayList<>(values.stream().filter(v -> v != null).toList());
            Collections.shuffle(present, new java.util.Random(present.hashCode()));
            return present;
        });
    }

    private static Arbitrary<String> action() {
        return Arbitraries.oneOf(
                yesNo("notify").injectNull(0.5).map(n -> n == null ? "deny" : "deny " + n),
                params(false).map(p -> String.join(" ", prepend("allow", p))),
                params(true).map(p -> String.join(" ", prepend("ask", p))));
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }

    @Provide
    Arbitrary<String> lines() {
        Arbitrary<String> serviceAndArgument = Arbitraries.oneOf(
                Arbitraries.just("* *"),
                Combinators.combine(word(40), Arbitraries.oneOf(Arbitraries.just("*"),
                        Arbitraries.strings().withCharRange('a', 'z').withChars("._-").ofMaxLength(10)
                                .map(a -> "+" + a))).as((s, a) -> s + " " + a));
        return Combinators.combine(serviceAndArgument, sourceToken(), targetToken(), action(),
                        Arbitraries.of(" ", "\t", "   "))
                .as((sa, src, tgt, act, gap) -> {
                    String a = tgt.equals("@default") && act.startsWith("allow") && !act.contains("target=")
                            ? act + " target=@adminvm" : act;
                    return sa.replace(" ", gap) + gap + src + gap + tgt + gap + a;
                });
    }
}
