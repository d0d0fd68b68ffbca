package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.policy.DomainFacts;
import dev.airlock.policy.DomainView;
import dev.airlock.policy.PolicyStore;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.sys.UnixSocket;
import dev.airlock.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A domain cannot keep questions open in {@code airlock pending} for calls it has given up. */
class AskCallerGoneTest {
    private static final DomainView DOMAINS = DomainView.of(List.of(
            new DomainFacts("work", "AppVM", Set.of(), true, null, false, null, false),
            new DomainFacts("vault", "AppVM", Set.of(), true, null, false, null, false)));

    @Test
    void askWhoseCallerHangsUpIsDroppedFromPending(@TempDir Path tmp) throws Exception {
        Path policyDir = Files.createDirectories(tmp.resolve("policy"));
        Files.writeString(policyDir.resolve("50-test.policy"), "test.Ping  *  work  vault  ask\n");
        AskQueue asks = new AskQueue(Duration.ofMinutes(5));
        AuditLog audit = new AuditLog(tmp.resolve("audit.jsonl"));
        List<UnixSocket> callers = new ArrayList<>();
        try (PolicyStore policy = PolicyStore.openManual(policyDir)) {
            CallRouter router = Routers.deciding(policy, new FixedViews(DOMAINS), audit, asks);
            try (AgentListener work = AgentListener.start("work", tmp.resolve("work.sock"), router::serve)) {
                for (int i = 0; i < 10; i++) {
                    UnixSocket s = UnixSocket.connect(tmp.resolve("work.sock"), UnixSocket.Descriptors.REFUSE);
                    callers.add(s);
                    new MessageReader(s).require();
                    MessageEncoder.write(Message.Hello.current(), s);
                    MessageEncoder.write(new Message.CallRequest(1, "vault", new ServiceCall("test.Ping", "")), s);
                }
                awaitPending(asks, 10);
                int first = asks.list().get(0).get("id").asInt();

                // The callers die: their request connections close, and their questions go with them.
                callers.forEach(UnixSocket::close);
                awaitPending(asks, 0);
                assertThatThrownBy(() -> asks.approve(first, "vault")).hasMessageContaining("is gone");
                assertThat(Await.last(Await.DEFAULT_LIMIT, () -> audit.read(e -> "caller-gone".equals(e.outcome())),
                        gone -> gone.size() >= 10)).hasSize(10)
                        .allSatisfy(e -> assertThat(e.detail()).contains("went away while the user was asked"));
            } finally {
                router.closeAudit();
            }
        } finally {
            callers.forEach(UnixSocket::close);
        }
    }

    private static void awaitPending(AskQueue asks, int n) throws InterruptedException {
        assertThat(Await.last(Await.DEFAULT_LIMIT, asks::list, l -> l.size() == n)).hasSize(n);
    }
}
