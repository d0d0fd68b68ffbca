package dev.airlock.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.Message.AgentReady;
import dev.airlock.qrexec.Message.Hello;
import dev.airlock.qrexec.Message.ServiceRefused;
import dev.airlock.qrexec.Message.ServiceStart;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.qrexec.Wire;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent against a stand-in broker on a socket in a temporary folder: no sandbox needed. */
class AgentTest {

    @Test
    void brokerListensUntilItsSocketIsClosedEvenThoughTheFileStays(@TempDir Path tmp) throws Exception {
        Path socket = tmp.resolve("agent.sock");
        assertThat(Connections.brokerListens(socket)).isFalse();
        try (ServerSocketChannel broker = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            broker.bind(UnixDomainSocketAddress.of(socket));
            assertThat(Connections.brokerListens(socket)).isTrue();
        }
        // As after a SIGKILL: the socket file is still bound in the sandbox, with nobody behind it.
        assertThat(socket).exists();
        assertThat(Connections.brokerListens(socket)).isFalse();
    }

    @Test
    void agentConnectsAgainWhenTheBrokerGoesAwayAndRefusesUnknownServices(@TempDir Path tmp) throws Exception {
        Path socket = tmp.resolve("agent.sock");
        Agent agent = new Agent(socket, new ServiceRunner(tmp, List.of(tmp.resolve("rpc"))));
        try (ServerSocketChannel broker = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            broker.bind(UnixDomainSocketAddress.of(socket));
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    agent.run();
                } catch (InterruptedException e) {
                    // The test is over.
                }
            });
            try {
                try (SocketChannel first = broker.accept()) {
                    MessageReader in = greet(first);
                    assertThat(in.require()).isEqualTo(new AgentReady());
                }
                // The broker "restarted": the same agent comes back on its own.
                try (SocketChannel second = broker.accept()) {
                    MessageReader in = greet(second);
                    assertThat(in.require()).isEqualTo(new AgentReady());
                    MessageEncoder.write(new ServiceStart(99, "work", new ServiceCall("test.Nothing", "")), second);
                    Message answer = in.require();
                    assertThat(answer).isInstanceOfSatisfying(ServiceRefused.class, r -> {
                        assertThat(r.token()).isEqualTo(99);
                        assertThat(r.exitCode()).isEqualTo(Wire.EXIT_NO_SERVICE);
                    });
                }
            } finally {
                t.interrupt();
                t.join();
            }
        }
    }

    private static MessageReader greet(SocketChannel ch) throws Exception {
        MessageEncoder.write(Hello.current(), ch);
        MessageReader in = new MessageReader(ch);
        assertThat(in.require()).isEqualTo(Hello.current());
        return in;
    }
}
