package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.sys.UnixSocket;
import dev.airlock.testing.Await;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A domain that opens connections to its agent socket and then says nothing must not use up the broker. */
class ConnectionFloodTest {

    @Test
    void domainOpeningManyIdleConnectionsCannotExhaustTheBroker(@TempDir Path tmp) throws Exception {
        Semaphore served = new Semaphore(0);
        CountDownLatch release = new CountDownLatch(1);
        List<UnixSocket> open = new ArrayList<>();
        try (AgentListener work = AgentListener.start("work", tmp.resolve("work.sock"), (d, ch) -> hold(ch, served,
                release));
             AgentListener personal = AgentListener.start("personal", tmp.resolve("personal.sock"),
                     (d, ch) -> hold(ch, served, release))) {
            for (int i = 0; i < AgentListener.MAX_CONNECTIONS; i++) {
                open.add(UnixSocket.connect(tmp.resolve("work.sock"), UnixSocket.Descriptors.REFUSE));
            }
            assertThat(served.tryAcquire(AgentListener.MAX_CONNECTIONS, 10, TimeUnit.SECONDS)).isTrue();

            // Over the cap the broker closes the connection at once instead of giving it a thread.
            try (UnixSocket extra = UnixSocket.connect(tmp.resolve("work.sock"), UnixSocket.Descriptors.REFUSE)) {
                assertThat(extra.read(ByteBuffer.allocate(1))).isEqualTo(-1);
            }
            assertThat(served.tryAcquire(200, TimeUnit.MILLISECONDS)).isFalse();

            // Another domain is still served.
            open.add(UnixSocket.connect(tmp.resolve("personal.sock"), UnixSocket.Descriptors.REFUSE));
            assertThat(served.tryAcquire(10, TimeUnit.SECONDS)).isTrue();

            // Once the flooding domain's connections end, it is served again.
            release.countDown();
            open.forEach(UnixSocket::close);
            open.clear();
            assertThat(servedWithin(tmp.resolve("work.sock"), Duration.ofSeconds(10))).isTrue();
        } finally {
            release.countDown();
            open.forEach(UnixSocket::close);
        }
    }

    @Test
    void idleConnectionWithoutHelloIsClosedAfterTheDeadline(@TempDir Path tmp) throws Exception {
        CallRouter router = new CallRouter(Duration.ofMillis(300));
        try (AgentListener l = AgentListener.start("work", tmp.resolve("agent.sock"), router::serve);
             UnixSocket idle = UnixSocket.connect(tmp.resolve("agent.sock"), UnixSocket.Descriptors.REFUSE)) {
            assertThat(new MessageReader(idle).require()).isInstanceOf(Message.Hello.class);
            long start = System.nanoTime();
            assertThat(idle.read(ByteBuffer.allocate(1))).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void connectionThatSaidWhatItIsForIsNotCutByTheDeadline() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket broker = pair[0]; UnixSocket domain = pair[1]) {
            ConnectionDeadline.start(broker, Duration.ofMillis(100)).close();
            // Part of the scenario: what must not happen gets three times its deadline to happen.
            Thread.sleep(300);
            assertThat(broker.isOpen()).isTrue();
            domain.write(ByteBuffer.wrap(new byte[] {7}));
            assertThat(broker.read(ByteBuffer.allocate(1))).isEqualTo(1);
        }
    }

    @Test
    void hostsCallReachesADomainThatHoldsAllItsConnections(@TempDir Path tmp) throws Exception {
        CallRouter router = new CallRouter(Duration.ofSeconds(30));
        Path socket = tmp.resolve("work.sock");
        List<UnixSocket> open = new ArrayList<>();
        try (AgentListener work = AgentListener.start("work", socket, router)) {
            for (int i = 0; i < AgentListener.MAX_CONNECTIONS; i++) {
                UnixSocket c = UnixSocket.connect(socket, UnixSocket.Descriptors.REFUSE);
                open.add(c);
                assertThat(new MessageReader(c).require()).isInstanceOf(Message.Hello.class);
            }
            // Nothing waits for the domain: over its cap it is refused, as before.
            assertThat(answeredWithHello(socket)).isFalse();

            // A call of another domain into work does not get the host's reserve either.
            CompletableFuture<CallRouter.Connected> domains = router.expect(41, "work", false);
            assertThat(agentConnect(socket, 41)).isNull();
            assertThat(domains).isNotDone();

            // The host's call waits: the domain squats the reserve with silent connections, each of which is
            // closed after a short deadline, and the agent's CONNECT gets through all the same.
            CompletableFuture<CallRouter.Connected> hosts = router.expect(42, "work", true);
            List<UnixSocket> squatters = new ArrayList<>();
            for (int i = 0; i < AgentListener.HOST_RESERVE; i++) {
                UnixSocket c = UnixSocket.connect(socket, UnixSocket.Descriptors.REFUSE);
                squatters.add(c);
                assertThat(new MessageReader(c).require()).isInstanceOf(Message.Hello.class);
            }
            open.addAll(squatters);
            assertThat(answeredWithHello(socket)).as("the reserve is full").isFalse();
            long start = System.nanoTime();
            for (UnixSocket c : squatters) {
                assertThat(c.read(ByteBuffer.allocate(1))).isEqualTo(-1);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isLessThan(CallRouter.RESERVED_FIRST_MESSAGE_DEADLINE.plusSeconds(3));
            UnixSocket agent = agentConnect(socket, 42);
            assertThat(agent).as("the agent's connection is greeted").isNotNull();
            open.add(agent);
            assertThat(hosts.get(5, TimeUnit.SECONDS).connection().isOpen()).isTrue();
            hosts.get().connection().close();
            assertThat(domains).isNotDone();
        } finally {
            open.forEach(UnixSocket::close);
        }
    }

    /** Whether a new connection to {@code socket} is greeted by the broker rather than closed at once. */
    private static boolean answeredWithHello(Path socket) throws IOException {
        try (UnixSocket c = UnixSocket.connect(socket, UnixSocket.Descriptors.REFUSE)) {
            return new MessageReader(c).read().isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Plays the agent answering a service start: HELLO and CONNECT with {@code token}; null when the broker closed
     * the connection without a greeting.
     */
    private static UnixSocket agentConnect(Path socket, long token) throws IOException {
        UnixSocket c = UnixSocket.connect(socket, UnixSocket.Descriptors.REFUSE);
        try {
            if (new MessageReader(c).read().isEmpty()) {
                c.close();
                return null;
            }
            MessageEncoder.write(Message.Hello.current(), c);
            MessageEncoder.write(new Message.Connect(token), c);
            return c;
        } catch (IOException e) {
            c.close();
            return null;
        }
    }

    /** Whether a connection to {@code socket} is given a thread (the holder's greeting byte) before {@code limit}. */
    private static boolean servedWithin(Path socket, Duration limit) throws IOException, InterruptedException {
        // Refused or not yet served: the flood's threads are still ending.
        return Await.within(limit, () -> {
            try (UnixSocket c = UnixSocket.connect(socket, UnixSocket.Descriptors.REFUSE)) {
                return c.read(ByteBuffer.allocate(1)) == 1;
            }
        });
    }

    private static void hold(UnixSocket ch, Semaphore served, CountDownLatch release) {
        try (ch) {
            served.release();
            ch.write(ByteBuffer.wrap(new byte[] {1}));
            release.await();
        } catch (IOException e) {
            // The test's side went away.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
