package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.qrexec.DataStream;
import dev.airlock.qrexec.Direction;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ProtocolException;
import dev.airlock.qrexec.Session;
import dev.airlock.sys.UnixSocket;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the broker makes of the service agent's report of a call's end, which comes from an untrusted domain. */
class CallEndTest {

    @Test
    void exitCodeEndsTheCall() {
        assertThat(read(MessageEncoder.encode(new Message.ExitCode(3)))).isEqualTo(new CallEnd.Exited(3));
    }

    @Test
    void agentThatGoesAwayWithoutAnExitCodeIsRecordedAsVanished() {
        assertThat(read(new byte[0])).isEqualTo(new CallEnd.Vanished());
    }

    @Test
    void hostileAgentSendingGarbageInsteadOfItsExitCodeIsRecordedAndNotBelieved() {
        byte[] garbage = new byte[64];
        Arrays.fill(garbage, (byte) 0x41);
        assertThat(read(garbage)).isInstanceOf(CallEnd.Garbled.class);
        // A header claiming a huge payload is refused from the header: nothing is buffered.
        byte[] huge = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(0x191).putInt(Integer.MAX_VALUE)
                .array();
        assertThat(read(huge)).isInstanceOf(CallEnd.Garbled.class);
        // Data in place of the exit code, and control messages that never flow this way.
        assertThat(read(MessageEncoder.encode(new Message.Data(DataStream.STDOUT, new byte[] {1}))))
                .isInstanceOf(CallEnd.Garbled.class);
        assertThat(read(MessageEncoder.encode(new Message.AgentReady()))).isInstanceOf(CallEnd.Garbled.class);
        // A report cut short.
        byte[] exit = MessageEncoder.encode(new Message.ExitCode(0));
        assertThat(read(Arrays.copyOf(exit, exit.length - 1))).isInstanceOf(CallEnd.Garbled.class);
        assertThat(new CallEnd.Garbled("x").detail()).contains("broke the protocol");
    }

    @Test
    void agentThatAttachesADescriptorToItsReportIsRecordedAsBreakingTheProtocol() throws IOException {
        UnixSocket[] connection = UnixSocket.pair();
        UnixSocket[] smuggled = UnixSocket.pair();
        try (UnixSocket broker = connection[0]; UnixSocket agent = connection[1]; UnixSocket s0 = smuggled[0];
             UnixSocket s1 = smuggled[1]) {
            agent.sendWithDescriptor(ByteBuffer.wrap(MessageEncoder.encode(new Message.ExitCode(0))), s1);
            assertThat(CallEnd.read(new MessageReader(broker), joined())).isInstanceOfSatisfying(CallEnd.Garbled.class,
                    g -> assertThat(g.reason()).contains("none is accepted"));
        }
    }

    @Test
    void domainThatSendsADescriptorToTheBrokerHasItClosedAndLosesTheConnection(@TempDir Path tmp)
            throws Exception {
        Path socket = tmp.resolve("agent.sock");
        CompletableFuture<Throwable> served = new CompletableFuture<>();
        try (AgentListener l = AgentListener.start("work", socket, (domain, ch) -> {
            try (ch) {
                ch.read(ByteBuffer.allocate(8));
                served.complete(null);
            } catch (IOException e) {
                served.complete(e);
            }
        })) {
            UnixSocket[] smuggled = UnixSocket.pair();
            Set<Integer> before;
            try (UnixSocket domain = UnixSocket.connect(socket, UnixSocket.Descriptors.REFUSE)) {
                before = openDescriptors();
                domain.sendWithDescriptor(ByteBuffer.wrap(MessageEncoder.encode(Message.Hello.current())),
                        smuggled[1]);
                smuggled[1].close();
                assertThat(served.get(10, TimeUnit.SECONDS)).isInstanceOf(IOException.class)
                        .hasMessageContaining("none is accepted");
            }
            // The broker kept no copy: the smuggled socket's peer sees its end.
            ByteBuffer b = ByteBuffer.allocate(1);
            assertThat(smuggled[0].read(b)).isEqualTo(-1);
            smuggled[0].close();
            assertThat(openDescriptors()).isSubsetOf(before);
        }
    }

    private static CallEnd read(byte[] wire) {
        return CallEnd.read(new MessageReader(Channels.newChannel(new ByteArrayInputStream(wire))), joined());
    }

    /** The session of a CONNECT connection as the broker has it when the service's report comes. */
    private static Session joined() {
        try {
            Session s = new Session(Direction.AGENT_TO_BROKER);
            s.accept(Message.Hello.current());
            s.accept(new Message.Connect(1));
            return s.joinedAs(Direction.SERVICE_TO_CALLER);
        } catch (ProtocolException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<Integer> openDescriptors() throws IOException {
        Set<Integer> fds = new HashSet<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            s.forEach(p -> fds.add(Integer.parseInt(p.getFileName().toString())));
        }
        fds.removeIf(fd -> !Files.isSymbolicLink(Path.of("/proc/self/fd/" + fd)));
        return fds;
    }
}
