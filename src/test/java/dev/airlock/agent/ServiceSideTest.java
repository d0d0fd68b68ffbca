package dev.airlock.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.Message.AgentReady;
import dev.airlock.qrexec.Message.CallChannel;
import dev.airlock.qrexec.Message.Connect;
import dev.airlock.qrexec.Message.Hello;
import dev.airlock.qrexec.Message.ServiceStart;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.sys.UnixListener;
import dev.airlock.sys.UnixSocket;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's side of a call against a stand-in broker that hands over one end of a socket pair, as the real one
 * does, and plays the caller on the other end: no sandbox needed.
 */
@Timeout(30)
class ServiceSideTest {

    @Test
    void serviceReadsTheCallersRawInputAndReturnsOutputEofsAndExitCodeOnTheHandedOverConnection(@TempDir Path tmp)
            throws Exception {
        callService(tmp, 7, "test.Echo", "cat\necho from-$QREXEC_REMOTE_DOMAIN >&2\nexit 3", (connection, report) -> {
            UnixSocket[] pair = UnixSocket.pair();
            try (UnixSocket caller = pair[0]) {
                connection.sendWithDescriptor(ByteBuffer.wrap(MessageEncoder.encode(new CallChannel())), pair[1]);
                pair[1].close();
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                byte[] big = new byte[3 * 1024 * 1024 + 17];
                for (int i = 0; i < big.length; i++) {
                    big[i] = (byte) (i * 31);
                }
                int code = Caller.exchange(caller, new ByteArrayInputStream(big), out, err);
                assertThat(code).isEqualTo(3);
                assertThat(out.toByteArray()).isEqualTo(big);
                assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("from-work\n");
            }
            // The broker learns the end of the call on the CONNECT connection.
            assertThat(report.require()).isEqualTo(new Message.ExitCode(3));
        });
    }

    @Test
    void serviceWhoseCallerIsGoneStillReportsItsEndToTheBroker(@TempDir Path tmp) throws Exception {
        // Slow on purpose, and by far: the caller must be gone while the service still runs, even on a loaded machine
        // (0.3 s was once too little at a load of 14 on two cores). Killed, it ends at once.
        callService(tmp, 8, "test.Late", "sleep 5\necho late\nexit 4", (connection, report) -> {
            UnixSocket[] pair = UnixSocket.pair();
            connection.sendWithDescriptor(ByteBuffer.wrap(MessageEncoder.encode(new CallChannel())), pair[1]);
            pair[1].close();
            // The caller goes before the service has written anything: the service is ended (SIGTERM,
            // 128 + 15), and the broker still hears how.
            pair[0].close();
            assertThat(report.require()).isEqualTo(new Message.ExitCode(143));
        });
    }

    @Test
    void connectionWithoutAHandedOverEndRunsNothing(@TempDir Path tmp) throws Exception {
        Path marker = tmp.resolve("ran");
        callService(tmp, 8, "test.Touch", "touch " + marker, (connection, report) -> {
            // The message that should carry the call's end, without it.
            connection.write(ByteBuffer.wrap(MessageEncoder.encode(new CallChannel())));
            assertThat(report.read()).isEmpty();
        });
        assertThat(marker).doesNotExist();
    }

    /** What the stand-in broker does with a call's connection once the agent has reported it (CONNECT). */
    @FunctionalInterface
    private interface OnConnection {
        void handle(UnixSocket connection, MessageReader report) throws Exception;
    }

    /**
     * Runs an agent whose only service is {@code service} (a shell {@code script}), starts call {@code id} of it
     * from work as the broker does, and hands the agent's connection for the call to {@code then}.
     */
    private static void callService(Path tmp, int id, String service, String script, OnConnection then)
            throws Exception {
        Path rpc = Files.createDirectories(tmp.resolve("rpc"));
        Path exe = rpc.resolve(service);
        Files.writeString(exe, "#!/bin/sh\n" + script + "\n");
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path socket = tmp.resolve("agent.sock");
        Agent agent = new Agent(socket, new ServiceRunner(tmp, List.of(rpc)));
        try (UnixListener broker = UnixListener.bind(socket)) {
            Thread t = Thread.ofPlatform().daemon().start(() -> {
                try {
                    agent.run();
                } catch (InterruptedException e) {
                    // The test is over.
                }
            });
            try (UnixSocket control = broker.accept()) {
                MessageReader in = greet(control);
                assertThat(in.require()).isEqualTo(new AgentReady());
                MessageEncoder.write(new ServiceStart(id, "work", new ServiceCall(service, "")), control);
                try (UnixSocket connection = broker.accept()) {
                    MessageReader report = greet(connection);
                    assertThat(report.require()).isEqualTo(new Connect(id));
                    then.handle(connection, report);
                }
            } finally {
                t.interrupt();
            }
        }
    }

    private static MessageReader greet(UnixSocket ch) throws IOException {
        MessageEncoder.write(Hello.current(), ch);
        MessageReader in = new MessageReader(ch);
        assertThat(in.require()).isEqualTo(Hello.current());
        return in;
    }
}
