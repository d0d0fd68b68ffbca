package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.policy.DomainFacts;
import dev.airlock.policy.DomainView;
import dev.airlock.policy.PolicyStore;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.sys.UnixSocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A domain that makes refused calls as fast as it can, from 8 threads, while another domain makes a call every
 * 500 ms: the broker's call path (socket, policy, audit) in one process, without sandboxes. The flood lasts
 * {@code flood.seconds} (3 s unless set; docs/design-notes.md has the figures for 15 s).
 */
class AuditFloodTest {
    private static final DomainView DOMAINS = DomainView.of(List.of(
            new DomainFacts("work", "AppVM", Set.of(), true, null, false, null, false),
            new DomainFacts("personal", "AppVM", Set.of(), true, null, false, null, false),
            new DomainFacts("vault", "AppVM", Set.of(), true, null, false, null, false)));
    private static final long SECONDS = Long.getLong("flood.seconds", 3);

    @TempDir
    Path tmp;

    /** What a flood did: the flooder's refused calls, the other domain's answers and their latencies. */
    private record Flood(long flooderCalls, List<Message> others, List<Long> otherNanos, Path log) {
    }

    @Test
    void floodOfDeniedCallsWritesBoundedBytes() throws Exception {
        Flood f = flood();
        List<AuditLog.Entry> work = new AuditLog(f.log()).read(e -> "work".equals(e.source()));
        long policyDecisions = work.stream().filter(e -> e.detail().startsWith("refused by policy"))
                .mapToLong(AuditLog.Entry::count).sum();
        long size = Files.size(f.log());
        System.out.printf("flood of %d s: %d refused calls, %d records, %d bytes; the other domain's median %.2f ms,"
                        + " max %.2f ms%n", SECONDS, f.flooderCalls(), lines(f.log()), size,
                f.otherNanos().get(f.otherNanos().size() / 2) / 1e6, f.otherNanos().getLast() / 1e6);

        assertThat(f.flooderCalls()).as("the flood ran past the burst").isGreaterThan(RefusalLimiter.DEFAULT_BURST);
        assertThat(work).anySatisfy(e -> assertThat(e.detail()).startsWith("too many refused calls from work"));
        // Nothing is lost: every refused call is in a record, alone or folded into a count.
        assertThat(work.stream().mapToLong(AuditLog.Entry::count).sum()).isEqualTo(f.flooderCalls());
        // The policy decided only what the rate lets through; the rest were refused before it.
        assertThat(policyDecisions).isLessThanOrEqualTo(RefusalLimiter.DEFAULT_BURST
                + (long) (RefusalLimiter.DEFAULT_PER_SECOND * (SECONDS + 2)));
        // A few records per fold window, whatever the number of calls; before, about 600 bytes per call.
        assertThat(size).isLessThan(8 * 1024 + 4 * 1024 * SECONDS);
    }

    @Test
    void anotherDomainsCallsStillGetThroughWhileOneFloods() throws Exception {
        Flood f = flood();
        assertThat(f.others()).hasSizeGreaterThanOrEqualTo(4).allSatisfy(m -> assertThat(m)
                .isInstanceOfSatisfying(Message.CallRefused.class, r -> assertThat(r.reason())
                        .startsWith("refused by policy").doesNotContain("too many refused calls")));
        assertThat(new AuditLog(f.log()).read(e -> "personal".equals(e.source())).stream()
                .mapToLong(AuditLog.Entry::count).sum()).isEqualTo(f.others().size());
    }

    private Flood flood() throws Exception {
        Path policyDir = Files.createDirectories(tmp.resolve("policy"));
        Files.writeString(policyDir.resolve("50-test.policy"), "test.Ping  *  @anyvm  @anyvm  deny\n");
        Path log = tmp.resolve("audit.jsonl");
        AtomicLong calls = new AtomicLong();
        AtomicLong dropped = new AtomicLong();
        List<Message> others = new ArrayList<>();
        List<Long> nanos = new ArrayList<>();
        try (PolicyStore policy = PolicyStore.openManual(policyDir)) {
            CallRouter router = Routers.deciding(policy, new FixedViews(DOMAINS), new AuditLog(log),
                    new AskQueue(Duration.ofSeconds(5)));
            try (AgentListener work = AgentListener.start("work", tmp.resolve("work.sock"), router::serve);
                 AgentListener personal = AgentListener.start("personal", tmp.resolve("personal.sock"),
                         router::serve)) {
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> flood = new ArrayList<>();
                for (int i = 0; i < Integer.getInteger("flood.threads", 8); i++) {
                    String argument = "a" + i;
                    flood.add(Thread.ofPlatform().start(() -> {
                        while (!stop.get()) {
                            try {
                                if (call(tmp.resolve("work.sock"), argument) instanceof Message.CallRefused) {
                                    calls.incrementAndGet();
                                }
                            } catch (IOException e) {
                                // Over the connection cap: closed without an answer, and without a record.
                                dropped.incrementAndGet();
                            }
                        }
                    }));
                }
                long end = System.nanoTime() + Duration.ofSeconds(SECONDS).toNanos();
                while (System.nanoTime() < end) {
                    long t = System.nanoTime();
                    others.add(call(tmp.resolve("personal.sock"), ""));
                    nanos.add(System.nanoTime() - t);
                    // Part of the scenario: another domain's calls at a person's pace during the flood.
                    Thread.sleep(500);
                }
                stop.set(true);
                for (Thread t : flood) {
                    t.join();
                }
            } finally {
                router.closeAudit();
            }
        }
        System.out.println("flooder's connections closed unanswered: " + dropped.get());
        return new Flood(calls.get(), others, nanos.stream().sorted().toList(), log);
    }

    private static Message call(Path socket, String argument) throws IOException {
        try (UnixSocket s = UnixSocket.connect(socket, UnixSocket.Descriptors.REFUSE)) {
            MessageReader in = new MessageReader(s);
            in.require();
            MessageEncoder.write(Message.Hello.current(), s);
            MessageEncoder.write(new Message.CallRequest(1, "vault", new ServiceCall("test.Ping", argument)), s);
            return in.require();
        }
    }

    private static long lines(Path log) throws IOException {
        try (var s = Files.lines(log)) {
            return s.count();
        }
    }
}
