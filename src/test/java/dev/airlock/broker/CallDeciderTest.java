package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.contract.BuiltInService;
import dev.airlock.policy.Decision;
import dev.airlock.policy.DomainFacts;
import dev.airlock.policy.DomainView;
import dev.airlock.policy.PolicyStore;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.qrexec.Wire;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decider's rules, without sockets, threads or sandboxes: each test is one way a domain could try to get a call
 * it should not have.
 */
class CallDeciderTest {
    private static final DomainView DOMAINS = DomainView.of(List.of(
            new DomainFacts("work", "AppVM", Set.of(), true, null, false, null, false),
            new DomainFacts("vault", "AppVM", Set.of(), true, null, false, null, false),
            new DomainFacts("dvm", "AppVM", Set.of(), false, null, true, null, false),
            new DomainFacts("disp42", "DispVM", Set.of(), true, null, false, "dvm", false)));
    private static final Supplier<CompletableFuture<Void>> CALLER_STAYS = CompletableFuture::new;

    @TempDir
    Path tmp;

    /** The running domains, and every start the decider asked for. */
    private final List<String> started = new ArrayList<>();
    private final CallDecider.Targets targets = Routers.allRunning(started);
    /** Every question put to the user. */
    private final List<Decision.Ask> asked = new ArrayList<>();
    private Decision answer;
    private final CallDecider.AskStep dialog = (source, call, ask, gone) -> {
        asked.add(ask);
        return answer == null ? ask.answer(null) : answer;
    };
    private final List<String> taken = new ArrayList<>();
    private final DisposablePool pool = new DisposablePool() {
        @Override
        public Taken take(String template, String caller) {
            taken.add(template + " for " + caller);
            return new Taken("disp7", true);
        }

        @Override
        public boolean isUnbound(String name) {
            return name.equals("disp42");
        }

        @Override
        public void refill(String template) {
        }

        @Override
        public void destroy(String name) {
        }
    };
    private PolicyStore policy;
    private AuditLog audit;
    private CallAudit calls;

    /** The registry's view: {@code stale} names a domain whose socket is still a removed domain's sandbox's. */
    private record Views(DomainView view, String stale) implements DomainViews {
        @Override
        public Optional<UUID> uuid(String name) {
            return Optional.of(UUID.nameUUIDFromBytes(name.getBytes()));
        }

        @Override
        public boolean isCurrent(String name) {
            return !name.equals(stale);
        }
    }

    private CallDecider decider(String policyText, DomainViews views) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("policy"));
        Files.writeString(dir.resolve("50-test.policy"), policyText);
        policy = PolicyStore.openManual(dir);
        audit = new AuditLog(tmp.resolve("audit.jsonl"));
        calls = new CallAudit(audit);
        return new CallDecider(targets, pool, policy, views, dialog, calls);
    }

    private CallDecider decider(String policyText) throws IOException {
        return decider(policyText, new Views(DOMAINS, null));
    }

    @AfterEach
    void close() {
        if (calls != null) {
            calls.close();
        }
        if (policy != null) {
            policy.close();
        }
    }

    private static ServiceCall call(String service) {
        return new ServiceCall(service, "");
    }

    @Test
    void domainCannotCallHostOnlyServiceWhateverThePolicySays() throws Exception {
        CallDecider d = decider("* * @anyvm @anyvm allow\n");

        assertThat(BuiltInService.hostOnlyNames()).isNotEmpty();
        for (String service : BuiltInService.hostOnlyNames()) {
            assertThat(d.decide("work", "vault", call(service), CALLER_STAYS)).isEqualTo(
                    new CallDecider.Refused(Wire.EXIT_REFUSED, service + " is reserved to the host", false));
        }
        assertThat(started).isEmpty();
        calls.close();
        assertThat(audit.read(e -> "deny".equals(e.outcome()))).isNotEmpty()
                .allSatisfy(e -> assertThat(e.source()).isEqualTo("work"));
    }

    @Test
    void domainCannotUseTheDefaultClipboardRuleAsAChannelToAnotherDomain() throws Exception {
        // The default policy allows qubes.ClipboardPaste between any two domains, for the host's paste only.
        CallDecider d = decider(dev.airlock.policy.PolicyLocation.DEFAULT_POLICY);

        for (String argument : List.of("", "binary")) {
            assertThat(d.decide("work", "vault", new ServiceCall("qubes.ClipboardPaste", argument), CALLER_STAYS))
                    .isEqualTo(new CallDecider.Refused(Wire.EXIT_REFUSED, "qubes.ClipboardPaste is reserved to the "
                            + "host", false));
        }
        assertThat(started).isEmpty();
    }

    @Test
    void staleSandboxCannotCallAsNewDomain() throws Exception {
        CallDecider d = decider("test.Ask * work vault ask\ntest.Allowed * work vault allow\n",
                new Views(DOMAINS, "work"));

        for (String service : List.of("test.Ask", "test.Allowed")) {
            CallDecider.Verdict v = d.decide("work", "vault", call(service), CALLER_STAYS);

            assertThat(v).isInstanceOfSatisfying(CallDecider.Refused.class, r -> {
                assertThat(r.exitCode()).isEqualTo(Wire.EXIT_REFUSED);
                assertThat(r.reason()).contains("no longer in the registry");
            });
        }
        assertThat(asked).as("nobody was asked on the new domain's behalf").isEmpty();
        assertThat(started).isEmpty();
    }

    @Test
    void domainCannotCallItself() throws Exception {
        CallDecider d = decider("* * @anyvm @anyvm allow\n");

        assertThat(d.decide("work", "work", call("test.Ping"), CALLER_STAYS)).isInstanceOf(CallDecider.Refused.class);
        assertThat(started).isEmpty();
    }

    @Test
    void callCannotReachAPooledDisposableByName() throws Exception {
        CallDecider d = decider("* * @anyvm @anyvm allow\n");

        assertThat(d.decide("work", "disp42", call("test.Ping"), CALLER_STAYS))
                .isInstanceOfSatisfying(CallDecider.Refused.class,
                        r -> assertThat(r.reason()).contains("calls reach it only through @dispvm"));
        assertThat(started).isEmpty();
    }

    @Test
    void askedCallRunsOnlyWhereTheUserSendsIt() throws Exception {
        CallDecider d = decider("test.Ping * work @anyvm ask default_target=vault\n");

        assertThat(d.decide("work", "vault", call("test.Ping"), CALLER_STAYS))
                .as("no answer is a deny").isInstanceOf(CallDecider.Refused.class);
        answer = new Decision.Deny("vault", null, true, "the user denied the call");
        assertThat(d.decide("work", "vault", call("test.Ping"), CALLER_STAYS))
                .isInstanceOf(CallDecider.Refused.class);
        assertThat(started).isEmpty();

        answer = null;
        CallDecider chooser = new CallDecider(targets, pool, policy, new Views(DOMAINS, null),
                (source, c, ask, gone) -> ask.answer("vault"), calls);
        assertThat(chooser.decide("work", "vault", call("test.Ping"), CALLER_STAYS))
                .isEqualTo(new CallDecider.Allowed("vault", null));
        assertThat(asked).hasSize(2);
    }

    @Test
    void callerThatHangsUpWhileAskedGetsNothing() throws Exception {
        CallDecider d = decider("test.Ping * work vault ask\n");
        CompletableFuture<Void> gone = CompletableFuture.completedFuture(null);
        answer = new Decision.Allow("vault", "vault", null, null, false, true, "approved after the caller left");

        assertThat(d.decide("work", "vault", call("test.Ping"), () -> gone))
                .isEqualTo(new CallDecider.Refused(Wire.EXIT_REFUSED, "the caller went away", false));
        assertThat(started).isEmpty();
    }

    @Test
    void unreadableRegistryRefusesTheCallRatherThanAllowIt() throws Exception {
        DomainViews broken = new DomainViews() {
            @Override
            public DomainView view() throws IOException {
                throw new IOException("domains.xml is garbled");
            }

            @Override
            public Optional<UUID> uuid(String name) throws IOException {
                throw new IOException("domains.xml is garbled");
            }

            @Override
            public boolean isCurrent(String name) {
                return true;
            }
        };
        CallDecider d = decider("* * @anyvm @anyvm allow\n", broken);

        assertThat(d.decide("work", "vault", call("test.Ping"), CALLER_STAYS))
                .isInstanceOfSatisfying(CallDecider.Refused.class,
                        r -> assertThat(r.exitCode()).isEqualTo(Wire.EXIT_MACHINERY));
        assertThat(started).isEmpty();
    }

    @Test
    void disposableIsMadeForItsCallerAndAuditedByItsName() throws Exception {
        CallDecider d = decider("test.Ping * work @dispvm allow target=@dispvm:dvm\n");

        assertThat(d.decide("work", "@dispvm", call("test.Ping"), CALLER_STAYS))
                .isEqualTo(new CallDecider.Allowed("disp7", "dvm"));
        assertThat(taken).containsExactly("dvm for work");
        calls.close();
        assertThat(audit.read(e -> "allow".equals(e.outcome()))).singleElement()
                .satisfies(e -> assertThat(e.target()).isEqualTo("disp7"));
    }

    @Test
    void domainThatKeepsBeingRefusedIsRefusedBeforeThePolicy() throws Exception {
        CallDecider d = decider("test.Ping * @anyvm @anyvm deny\n");

        // More than the burst: the bucket refills slowly, so a slow machine only needs a few calls more.
        List<CallDecider.Verdict> verdicts = new ArrayList<>();
        for (int i = 0; i < 3 * RefusalLimiter.DEFAULT_BURST; i++) {
            verdicts.add(d.decide("work", "vault", call("test.Ping"), CALLER_STAYS));
        }

        assertThat(verdicts).anySatisfy(v -> assertThat(v).isInstanceOfSatisfying(CallDecider.Refused.class, r -> {
            assertThat(r.throttled()).isTrue();
            assertThat(r.reason()).startsWith("too many refused calls from work");
        }));
        assertThat(d.decide("vault", "work", call("test.Ping"), CALLER_STAYS))
                .as("another domain is decided as before").isInstanceOfSatisfying(CallDecider.Refused.class,
                        r -> assertThat(r.throttled()).isFalse());
    }
}
