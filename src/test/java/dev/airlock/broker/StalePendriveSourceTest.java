package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.policy.DomainFacts;
import dev.airlock.policy.DomainView;
import dev.airlock.policy.PolicyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, for pendrives as for calls: a sandbox that a removed domain left running still holds the pendrive
 * socket of its name; once that name is a new domain's, it must not send pendrives with the new domain's rights,
 * nor have the user asked on its behalf.
 */
class StalePendriveSourceTest {
    private static final DomainView DOMAINS = DomainView.of(List.of(
            new DomainFacts("work", "AppVM", Set.of(), true, null, false, null, false),
            new DomainFacts("vault", "AppVM", Set.of(), true, null, false, null, false)));

    private record Views(boolean workIsCurrent) implements DomainViews {
        @Override
        public DomainView view() {
            return DOMAINS;
        }

        @Override
        public Optional<UUID> uuid(String name) {
            return Optional.of(UUID.nameUUIDFromBytes(name.getBytes()));
        }

        @Override
        public boolean isCurrent(String name) {
            return workIsCurrent || !name.equals("work");
        }
    }

    @Test
    void aSandboxLeftByARemovedDomainCannotSendAPendriveAsTheNewDomainOfItsName(@TempDir Path tmp)
            throws Exception {
        Path policyDir = Files.createDirectories(tmp.resolve("policy"));
        Files.writeString(policyDir.resolve("50-test.policy"), "airlock.PendriveSend  *  work  vault  allow\n"
                + "airlock.PendriveWait  *  work  vault  ask\n");
        AuditLog audit = new AuditLog(tmp.resolve("audit.jsonl"));
        AtomicInteger asked = new AtomicInteger();
        try (PolicyStore policy = PolicyStore.openManual(policyDir)) {
            PendriveExchange.Audited current = new PendriveExchange.Audited(audit, policy, new Views(true),
                    (question, request, ask) -> {
                        asked.incrementAndGet();
                        return null;
                    }, domain -> {
                        throw new AssertionError("no domain is started here, yet " + domain + " was");
                    });
            assertThat(current.authorizeTransfer("work", "vault")).as("the domain's own sandbox").isTrue();

            PendriveExchange.Audited stale = new PendriveExchange.Audited(audit, policy, new Views(false),
                    (question, request, ask) -> {
                        asked.incrementAndGet();
                        return null;
                    }, domain -> {
                        throw new AssertionError("no domain is started here, yet " + domain + " was");
                    });

            assertThat(stale.authorizeTransfer("work", "vault")).isFalse();
            assertThat(stale.waitForRelease("work", "vault")).isFalse();
            assertThat(asked).as("nobody was asked").hasValue(0);
        }
        assertThat(audit.last(2, e -> true).entries()).allSatisfy(e -> {
            assertThat(e.outcome()).isEqualTo("deny");
            assertThat(e.detail()).contains("no longer in the registry");
        });
    }
}
