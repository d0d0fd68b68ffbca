package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.policy.DomainFacts;
import dev.airlock.policy.DomainView;
import dev.airlock.policy.PolicyStore;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.qrexec.Wire;
import dev.airlock.sys.UnixSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10: a sandbox that a removed domain left running (a call's autostart slipped in while {@code remove}
 * deleted it) still holds a socket named like the domain. Once a new domain has that name, the old sandbox must not
 * call with its rights, nor have the user asked on its behalf.
 */
class StaleSandboxCallTest {
    private static final DomainView DOMAINS = DomainView.of(List.of(
            new DomainFacts("work", "AppVM", Set.of(), true, null, false, null, false),
            new DomainFacts("vault", "AppVM", Set.of(), true, null, false, null, false)));

    /** The registry's view, in which "work" is a new domain and its socket still the old sandbox's. */
    private record OldSandboxOfWork(DomainView view) implements DomainViews {
        @Override
        public Optional<UUID> uuid(String name) {
            return Optional.of(UUID.nameUUIDFromBytes(name.getBytes()));
        }

        @Override
        public boolean isCurrent(String name) {
            return !name.equals("work");
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aSandboxLeftByARemovedDomainCannotCallOrAskAsTheNewDomainOfItsName(@TempDir Path tmp) throws Exception {
        Path policyDir = Files.createDirectories(tmp.resolve("policy"));
        Files.writeString(policyDir.resolve("50-test.policy"), "test.Ask  *  work  vault  ask\n"
                + "test.Allowed  *  work  vault  allow\n");
        AskQueue asks = new AskQueue(Duration.ofMinutes(5));
        AuditLog audit = new AuditLog(tmp.resolve("audit.jsonl"));
        try (PolicyStore policy = PolicyStore.openManual(policyDir)) {
            CallRouter router = Routers.deciding(policy, new OldSandboxOfWork(DOMAINS), audit, asks);
            try (AgentListener work = AgentListener.start("work", tmp.resolve("work.sock"), router::serve)) {
                for (String service : List.of("test.Ask", "test.Allowed")) {
                    try (UnixSocket s = UnixSocket.connect(tmp.resolve("work.sock"), UnixSocket.Descriptors.REFUSE)) {
                        MessageReader in = new MessageReader(s);
                        in.require();
                        MessageEncoder.write(Message.Hello.current(), s);
                        MessageEncoder.write(new Message.CallRequest(1, "vault", new ServiceCall(service, "")), s);

                        Message answer = in.require();

                        assertThat(answer).isInstanceOfSatisfying(Message.CallRefused.class,
                                r -> assertThat(r.exitCode()).isEqualTo(Wire.EXIT_REFUSED));
                    }
                }
                assertThat(asks.list()).as("nobody was asked").isEmpty();
            } finally {
                router.closeAudit();
            }
        }
        assertThat(audit.read(e -> "deny".equals(e.outcome()))).isNotEmpty()
                .allSatisfy(e -> assertThat(e.detail()).contains("no longer in the registry"));
        assertThat(audit.read(e -> "ask".equals(e.outcome()) || "allow".equals(e.outcome()))).isEmpty();
    }
}
