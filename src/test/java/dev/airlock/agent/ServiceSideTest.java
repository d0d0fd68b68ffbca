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
        Path rpc = Files.createDirectories(tmp.resolve("rpc"));
        Path exe = rpc.resolve("test.Echo");
        Files.writeString(exe, "#!/bin/sh\ncat\necho from-$QREXEC_REMOTE_DOMAIN >&2\nexit 3\n");
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
                MessageEncoder.write(new ServiceStart(7, "work", new ServiceCall("test.Echo", "")), control);
                try (UnixSocket connection = broker.accept()) {
                    MessageReader report = greet(connection);
                    assertThat(report.require()).isEqualTo(new Connect(7));
                    UnixSocket[] pair = UnixSocket.pair();
                    try (UnixSocket caller = pair[0]) {
                        connection.sendWithDescriptor(ByteBuffer.wrap(MessageEncoder.encode(new CallChannel())),
                                pair[1]);
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
                }
            } finally {
                t.interrupt();
            }
        }
    }

    @Test
    void serviceWhoseCallerIsGoneStillReportsItsEndToTheBroker(@TempDir Path tmp) throws Exception {
        Path rpc = Files.createDirectories(tmp.resolve("rpc"));
        Path exe = rpc.resolve("test.Late");
        Files.writeString(exe, "#!/bin/sh\nsleep 0.3\necho late\nexit 4\n");
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
                MessageEncoder.write(new ServiceStart(8, "work", new ServiceCall("test.Late", "")), control);
                try (UnixSocket connection = broker.accept()) {
                    MessageReader report = greet(connection);
                    assertThat(report.require()).isEqualTo(new Connect(8));
                    UnixSocket[] pair = UnixSocket.pair();
                    connection.sendWithDescriptor(ByteBuffer.wrap(MessageEncoder.encode(new CallChannel())), pair[1]);
                    pair[1].close();
                    // The caller goes before the service has written anything: the service is ended (SIGTERM,
                    // 128 + 15), and the broker still hears how.
                    pair[0].close();
                    assertThat(report.require()).isEqualTo(new Message.ExitCode(143));
                }
            } finally {
                t.interrupt();
            }
        }
    }

    @Test
    void connectionWithoutAHandedOverEndRunsNothing(@TempDir Path tmp) throws Exception {
        Path rpc = Files.createDirectories(tmp.resolve("rpc"));
        Path marker = tmp.resolve("ran");
        Path exe = rpc.resolve("test.Touch");
        Files.writeString(exe, "#!/bin/sh\ntouch " + marker + "\n");
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
                greet(control).require();
                MessageEncoder.write(new ServiceStart(8, "work", new ServiceCall("test.Touch", "")), control);
                try (UnixSocket connection = broker.accept()) {
                    MessageReader report = greet(connection);
                    assertThat(report.require()).isEqualTo(new Connect(8));
                    // The message that should carry the call's end, without it.
                    connection.write(ByteBuffer.wrap(MessageEncoder.encode(new CallChannel())));
                    assertThat(report.read()).isEmpty();
                }
                assertThat(marker).doesNotExist();
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
