package dev.airlock.policy;

import dev.airlock.testing.Threat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class EvaluatorTest {

    @TempDir
    Path dir;

    private Decision eval(Policy p, String source, String target, String serviceAndArg) {
        return p.evaluate(Request.of(source, target, serviceAndArg), TestDomains.ALL);
    }

    private Policy defaultPolicy() {
        TestDomains.write(dir, PolicyLocation.DEFAULT_FILE, PolicyLocation.DEFAULT_POLICY);
        Policy p = Policy.load(dir);
        assertThat(p.errors()).isEmpty();
        return p;
    }

    @Test
    void firstMatchingRuleDecides() {
        Policy p = TestDomains.policy(dir,
                "test.Svc * work personal deny notify=no",
                "test.Svc * work personal allow");
        Decision d = eval(p, "work", "personal", "test.Svc");
        assertThat(d).isInstanceOf(Decision.Deny.class);
        assertThat(d.rule().location()).isEqualTo("50-test.policy:1");
        assertThat(d.rule().text()).isEqualTo("test.Svc * work personal deny notify=no");
        assertThat(d.notifyUser()).isFalse();
    }

    @Test
    void noMatchingRuleDeniesAndNotifies() {
        Policy p = TestDomains.policy(dir, "other.Svc * @anyvm @anyvm allow");
        Decision d = eval(p, "work", "personal", "test.Svc");
        assertThat(d).isInstanceOf(Decision.Deny.class);
        assertThat(d.rule()).isNull();
        assertThat(d.notifyUser()).isTrue();
        assertThat(d.reason()).contains("no rule matches");
    }

    @Test
    void allowUsesTheSpecifiedDefaultsAndKeepsUser() {
        Policy p = TestDomains.policy(dir, "test.Svc * work personal allow user=root");
        Decision.Allow a = (Decision.Allow) eval(p, "work", "personal", "test.Svc");
        assertThat(a.target()).isEqualTo("personal");
        assertThat(a.user()).isEqualTo("root");
        assertThat(a.notifyUser()).isFalse();
        assertThat(a.autostart()).isTrue();
    }

    @Test
    void argumentsMatchExactlyAndPlusAloneMeansNoArgument() {
        Policy p = TestDomains.policy(dir,
                "test.Svc +a work personal allow",
                "test.Svc + work personal ask",
                "test.Svc * work personal deny");
        assertThat(eval(p, "work", "personal", "test.Svc+a")).isInstanceOf(Decision.Allow.class);
        assertThat(eval(p, "work", "personal", "test.Svc")).isInstanceOf(Decision.Ask.class);
        assertThat(eval(p, "work", "personal", "test.Svc+")).isInstanceOf(Decision.Ask.class);
        assertThat(eval(p, "work", "personal", "test.Svc+ab")).isInstanceOf(Decision.Deny.class);
    }

    @Test
    void wildcardServiceMatchesEveryService() {
        Policy p = TestDomains.policy(dir, "* * work personal allow");
        assertThat(eval(p, "work", "personal", "any.Thing+x")).isInstanceOf(Decision.Allow.class);
    }

    /**
     * A call the evaluator must refuse, and why. {@code byRule}: refused by a rule that matched (the rule is named in
     * the decision), or before any rule was looked at.
     */
    private record Refusal(List<String> rules, String source, String target, String call, boolean byRule,
            String reason) {
    }

    private static Arguments refusal(String threat, Refusal r) {
        return Arguments.of(threat, r);
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                refusal("callToOneselfIsRefusedBeforePolicy",
                        new Refusal(List.of("* * * * allow"), "work", "work", "test.Svc", false,
                                "may not call itself")),
                refusal("hostCallingItselfAsAdminvmIsRefusedBeforePolicy",
                        new Refusal(List.of("* * * * allow"), "dom0", "@adminvm", "test.Svc", false,
                                "may not call itself")),
                refusal("redirectToTheCallerIsRefused",
                        new Refusal(List.of("test.Svc * work @default allow target=work"), "work", "", "test.Svc",
                                true, "calling domain itself")),
                refusal("allowWithoutTargetForDefaultRequestDenies",
                        new Refusal(List.of("test.Svc * @anyvm @anyvm allow"), "work", "", "test.Svc", true,
                                "neither the caller nor the rule names a target")),
                refusal("askWithoutAnythingToOfferDenies",
                        new Refusal(List.of("test.Svc * work @default ask"), "work", "", "test.Svc", true,
                                "no target to offer")),
                refusal("unknownSourceIsDenied",
                        new Refusal(List.of("* * * * allow"), "ghost", "work", "test.Svc", false,
                                "ghost does not exist")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusedCallSaysWhy(String threat, Refusal r) throws Exception {
        Threat.named(threat, () -> {
            Policy p = TestDomains.policy(dir, r.rules().toArray(String[]::new));
            Decision d = eval(p, r.source(), r.target(), r.call());
            assertThat(d).isInstanceOf(Decision.Deny.class);
            assertThat(d.reason()).contains(r.reason());
            if (r.byRule()) {
                assertThat(d.rule()).isNotNull();
            } else {
                assertThat(d.rule()).isNull();
            }
        });
    }

    @Test
    void redirectKeepsTheAllowAction() {
        Policy p = TestDomains.policy(dir, "test.Svc * work @default allow target=vault notify=yes");
        Decision.Allow a = (Decision.Allow) eval(p, "work", "@default", "test.Svc");
        assertThat(a.target()).isEqualTo("vault");
        assertThat(a.requestedTarget()).isEqualTo("@default");
        assertThat(a.notifyUser()).isTrue();
        assertThat(a.reason()).contains("redirected to vault");
    }

    @Test
    void redirectKeepsTheAskActionAndOffersOnlyTheRedirectTarget() {
        Policy p = TestDomains.policy(dir, "test.Svc * work @anyvm ask target=vault");
        Decision.Ask a = (Decision.Ask) eval(p, "work", "personal", "test.Svc");
        assertThat(a.targetsForAsk()).containsExactly("vault");
        assertThat(a.defaultTarget()).isNull();
    }

    @Test
    void redirectToHostAndDisposables() {
        Policy p = TestDomains.policy(dir,
                "a.Svc * @anyvm @anyvm allow target=@adminvm",
                "b.Svc * @anyvm @anyvm allow target=@dispvm",
                "c.Svc * @anyvm @anyvm allow target=@dispvm:other-dvm",
                "d.Svc * @anyvm @anyvm allow target=@dispvm:work",
                "e.Svc * @anyvm @anyvm allow target=nosuch");
        assertThat(((Decision.Allow) eval(p, "work", "", "a.Svc")).target()).isEqualTo("dom0");
        assertThat(((Decision.Allow) eval(p, "work", "", "b.Svc")).target()).isEqualTo("@dispvm:default-dvm");
        assertThat(((Decision.Allow) eval(p, "work", "", "c.Svc")).target()).isEqualTo("@dispvm:other-dvm");
        assertThat(eval(p, "work", "", "d.Svc").reason()).contains("work is not a disposable template");
        assertThat(eval(p, "work", "", "e.Svc").reason()).contains("nosuch does not exist");
        assertThat(eval(p, "vault", "", "b.Svc").reason()).contains("vault has no default disposable template");
    }

    @Test
    void nonexistentTargetIsTreatedAsDefault() {
        Policy p = TestDomains.policy(dir,
                "test.Svc * @anyvm @default deny notify=no",
                "test.Svc * @anyvm @anyvm allow");
        Decision d = eval(p, "work", "nosuch", "test.Svc");
        assertThat(d).isInstanceOf(Decision.Deny.class);
        assertThat(d.rule().line()).isEqualTo(1);
        assertThat(d.requestedTarget()).isEqualTo("nosuch");
        assertThat(d.reason()).contains("is not a known domain or disposable template, so it is treated as @default");
        assertThat(eval(p, "work", "personal", "test.Svc")).isInstanceOf(Decision.Allow.class);
    }

    @Test
    void nonexistentTargetCannotBeUsedToProbeWhichDomainsExist() {
        Policy p = TestDomains.policy(dir, "test.Svc * @anyvm @anyvm deny");
        Decision missing = eval(p, "work", "nosuch", "test.Svc");
        Decision present = eval(p, "work", "vault", "test.Svc");
        assertThat(missing).isInstanceOf(Decision.Deny.class);
        assertThat(present).isInstanceOf(Decision.Deny.class);
        assertThat(missing.rule()).isEqualTo(present.rule());
    }

    @Test
    void defaultPolicyOpensInTheCallersDefaultDisposable() {
        Decision.Allow a = (Decision.Allow) eval(defaultPolicy(), "work", "@dispvm", "qubes.OpenInVM");
        assertThat(a.target()).isEqualTo("@dispvm:default-dvm");
        assertThat(a.rule().location()).isEqualTo("50-airlock-default.policy:12");
    }

    @Test
    void disposableRequestFromDomainWithoutDefaultTemplateDenies() {
        Decision d = eval(defaultPolicy(), "vault", "@dispvm", "qubes.OpenInVM");
        assertThat(d).isInstanceOf(Decision.Deny.class);
        assertThat(d.rule()).isNotNull();
        assertThat(d.reason()).contains("no default disposable template");
    }

    @Test
    void defaultPolicyAsksWhereToCopyAndNeverOffersTheHostTheCallerOrInternalDomains() {
        Decision.Ask a = (Decision.Ask) eval(defaultPolicy(), "work", "", "qubes.Filecopy");
        assertThat(a.targetsForAsk()).containsExactly("@dispvm:default-dvm", "@dispvm:other-dvm", "default-dvm",
                "disp123", "disp456", "fedora", "other-dvm", "personal", "vault");
        assertThat(a.defaultTarget()).isNull();
        assertThat(a.autostart()).isTrue();
        assertThat(a.notifyUser()).isFalse();
    }

    @Test
    void allowAllNamesCopyAsksEvenWhereTheUserAllowedOrdinaryCopies() throws Exception {
        Path installed = dir.resolve("policy.d");
        PolicyLocation.installDefaultIfMissing(installed);
        TestDomains.write(installed, "30-user.policy", "qubes.Filecopy * work personal allow\n");
        Policy p = Policy.load(installed);
        assertThat(p.errors()).isEmpty();
        // Ordinary copies: the user's rule and the default one decide as before.
        assertThat(eval(p, "work", "personal", "qubes.Filecopy")).isInstanceOf(Decision.Allow.class);
        assertThat(eval(p, "work", "vault", "qubes.Filecopy")).isInstanceOf(Decision.Ask.class);
        assertThat(eval(p, "work", "personal", "qubes.Filecopy+other")).isInstanceOf(Decision.Allow.class);
        // Names with escapes or right-to-left tricks: asked, before the user's rule for ordinary copies.
        for (String target : new String[] {"personal", "vault", ""}) {
            Decision d = eval(p, "work", target, "qubes.Filecopy+allow-all-names");
            assertThat(d).as(target).isInstanceOf(Decision.Ask.class);
            assertThat(d.rule().location()).isEqualTo(PolicyLocation.ALLOW_ALL_NAMES_FILE + ":10");
        }
        // Allowing them stays possible, in a file that sorts first.
        TestDomains.write(installed, "10-user.policy", "qubes.Filecopy +allow-all-names work personal allow\n");
        assertThat(eval(Policy.load(installed), "work", "personal", "qubes.Filecopy+allow-all-names"))
                .isInstanceOf(Decision.Allow.class);
    }

    @Test
    void askPreselectsTheRequestedTarget() {
        Decision.Ask a = (Decision.Ask) eval(defaultPolicy(), "work", "personal", "qubes.Filecopy");
        assertThat(a.defaultTarget()).isEqualTo("personal");
        Decision.Ask d = (Decision.Ask) eval(defaultPolicy(), "work", "@dispvm:other-dvm", "qubes.OpenInVM");
        assertThat(d.defaultTarget()).isEqualTo("@dispvm:other-dvm");
    }

    @Test
    void askListDenyRulesRemoveTargetsBottomUp() {
        Policy p = TestDomains.policy(dir,
                "test.Svc * @anyvm vault deny",
                "test.Svc * @anyvm @tag:work allow",
                "test.Svc * @anyvm @default ask",
                "test.Svc * @anyvm @type:AppVM allow",
                "test.Svc * @anyvm @dispvm:other-dvm allow",
                "test.Svc * @anyvm personal deny");
        Decision.Ask a = (Decision.Ask) eval(p, "disp123", "", "test.Svc");
        // personal: added by the @type:AppVM rule, which comes before the deny that would remove it
        assertThat(a.targetsForAsk()).containsExactly("@dispvm:other-dvm", "default-dvm", "other-dvm",
                "personal", "work");
    }

    @Test
    void askListRulesForOtherSourcesOrServicesDoNotCount() {
        Policy p = TestDomains.policy(dir,
                "test.Svc * work @default ask",
                "test.Svc * personal fedora allow",
                "other.Svc * work vault allow",
                "test.Svc * work disp123 allow",
                "test.Svc +x work disp456 allow");
        Decision.Ask a = (Decision.Ask) eval(p, "work", "", "test.Svc");
        assertThat(a.targetsForAsk()).containsExactly("disp123");
    }

    @Test
    void askNeverOffersTheCallerEvenWhenARuleNamesIt() {
        Policy p = TestDomains.policy(dir,
                "test.Svc * work @default ask",
                "test.Svc * work work allow",
                "test.Svc * work personal allow");
        assertThat(((Decision.Ask) eval(p, "work", "", "test.Svc")).targetsForAsk()).containsExactly("personal");
    }

    @Test
    void autostartNoOffersRunningDomainsOnly() {
        Policy p = TestDomains.policy(dir, "test.Svc * @anyvm @anyvm ask autostart=no");
        Decision.Ask a = (Decision.Ask) eval(p, "personal", "", "test.Svc");
        assertThat(a.targetsForAsk()).containsExactly("disp123", "work");
        assertThat(a.autostart()).isFalse();
    }

    @Test
    void allowAutostartNoCannotBeUsedToStartAHaltedDomainOrADisposable() {
        Policy p = TestDomains.policy(dir,
                "test.Svc * @anyvm personal allow autostart=no",
                "test.Svc * @anyvm work allow autostart=no",
                "test.Svc * @anyvm @dispvm allow autostart=no",
                "test.Svc * @anyvm @adminvm allow autostart=no",
                "test.Svc * @anyvm @default allow target=vault autostart=no notify=yes");
        Decision.Deny halted = (Decision.Deny) eval(p, "work", "personal", "test.Svc");
        assertThat(halted.reason()).isEqualTo("50-test.policy:1 allows the call with autostart=no, but its target "
                + "personal would have to be started");
        assertThat(halted.notifyUser()).isFalse();
        assertThat(eval(p, "work", "@dispvm", "test.Svc")).isInstanceOf(Decision.Deny.class);
        Decision.Deny redirected = (Decision.Deny) eval(p, "work", "", "test.Svc");
        assertThat(redirected.reason()).contains("vault would have to be started");
        assertThat(redirected.notifyUser()).isTrue();
        Decision.Allow running = (Decision.Allow) eval(p, "personal", "work", "test.Svc");
        assertThat(running.target()).isEqualTo("work");
        assertThat(running.autostart()).isFalse();
        assertThat(((Decision.Allow) eval(p, "work", "dom0", "test.Svc")).target()).isEqualTo("dom0");
    }

    @Test
    void askDefaultTargetTheRuleDoesNotOfferPreselectsNothing() {
        Policy p = TestDomains.policy(dir,
                "a.Svc * @anyvm @anyvm ask target=vault default_target=personal",
                "b.Svc * @anyvm @anyvm ask autostart=no default_target=personal",
                "c.Svc * @anyvm @anyvm ask target=vault default_target=vault");
        Decision.Ask a = (Decision.Ask) eval(p, "work", "personal", "a.Svc");
        assertThat(a.targetsForAsk()).containsExactly("vault");
        assertThat(a.defaultTarget()).isNull();
        Decision.Ask b = (Decision.Ask) eval(p, "disp123", "work", "b.Svc");
        assertThat(b.targetsForAsk()).containsExactly("work");
        assertThat(b.defaultTarget()).isNull();
        assertThat(((Decision.Ask) eval(p, "work", "", "c.Svc")).defaultTarget()).isEqualTo("vault");
    }

    @Test
    void internalDomainIsOfferedOnlyWhenARuleNamesIt() {
        Policy p = TestDomains.policy(dir,
                "test.Svc * work @default ask",
                "test.Svc * work sys-net allow");
        assertThat(((Decision.Ask) eval(p, "work", "", "test.Svc")).targetsForAsk()).containsExactly("sys-net");
    }

    @Test
    void defaultTargetIsKeptWhenOfferedAndDroppedOtherwise() {
        Policy p = TestDomains.policy(dir,
                "a.Svc * @anyvm @anyvm ask default_target=vault",
                "b.Svc * @anyvm @anyvm ask default_target=dom0",
                "c.Svc * @anyvm @anyvm ask default_target=@dispvm");
        assertThat(((Decision.Ask) eval(p, "work", "", "a.Svc")).defaultTarget()).isEqualTo("vault");
        assertThat(((Decision.Ask) eval(p, "work", "personal", "a.Svc")).defaultTarget()).isEqualTo("vault");
        assertThat(((Decision.Ask) eval(p, "work", "", "b.Svc")).defaultTarget()).isNull();
        // Qubes drops a default_target the rule does not offer and preselects nothing, not even the requested one.
        assertThat(((Decision.Ask) eval(p, "work", "personal", "b.Svc")).defaultTarget()).isNull();
        assertThat(((Decision.Ask) eval(p, "work", "", "c.Svc")).defaultTarget())
                .isEqualTo("@dispvm:default-dvm");
    }

    @Test
    void answerNotAmongTheOfferedTargetsIsDenied() {
        Decision.Ask a = (Decision.Ask) eval(defaultPolicy(), "work", "", "qubes.Filecopy");
        assertThat(a.answer("dom0")).isInstanceOf(Decision.Deny.class);
        assertThat(a.answer("work")).isInstanceOf(Decision.Deny.class);
        assertThat(a.answer("nosuch")).isInstanceOf(Decision.Deny.class);
        assertThat(a.answer(null)).isInstanceOf(Decision.Deny.class);
        Decision.Allow chosen = (Decision.Allow) a.answer("personal");
        assertThat(chosen.target()).isEqualTo("personal");
        assertThat(chosen.rule()).isEqualTo(a.rule());
    }

    @Test
    void hostCanBeNamedAsDom0OrAdminvm() {
        Policy p = TestDomains.policy(dir, "test.Svc * work dom0 allow", "test.Svc * dom0 @adminvm allow");
        assertThat(((Decision.Allow) eval(p, "work", "@adminvm", "test.Svc")).target()).isEqualTo("dom0");
        assertThat(((Decision.Allow) eval(p, "work", "dom0", "test.Svc")).target()).isEqualTo("dom0");
        assertThat(eval(p, "work", "@adminvm", "test.Svc").requestedTarget()).isEqualTo("dom0");
    }
}
