package dev.airlock.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.openinvm.NameField;
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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service ends when its caller is gone for good, and only then: the agent against a stand-in broker that hands
 * over one end of a real socket pair and plays the caller on the other.
 */
@Timeout(60)
class CallerGoneTest {
    @TempDir
    Path tmp;

    @Test
    void callerThatHalfClosesAfterItsInputKeepsItsServiceRunning() throws Exception {
        service("test.Slow", "cat > /dev/null\nsleep 1\necho done\nexit 5\n");
        try (Call call = call("test.Slow")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = Caller.exchange(call.caller(), new ByteArrayInputStream(new byte[100]), out, err);
            assertThat(code).isEqualTo(5);
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("done\n");
            assertThat(call.report().require()).isEqualTo(new Message.ExitCode(5));
        }
    }

    @Test
    void callerThatDiesCannotLeaveItsServiceRunning() throws Exception {
        Path leader = tmp.resolve("leader.pid");
        Path child = tmp.resolve("child.pid");
        service("test.Forever", "echo $$ > " + leader + "\nsleep 600 &\necho $! > " + child + "\nwait\n");
        try (Call call = call("test.Forever")) {
            call.caller().shutdownOutput();
            long[] pids = {pid(leader), pid(child)};
            long start = System.nanoTime();
            call.caller().close();
            // 128 + SIGTERM: the shell died of the signal its group was sent.
            assertThat(call.report().require()).isEqualTo(new Message.ExitCode(143));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(ServiceRunner.TERMINATION_GRACE);
            for (long pid : pids) {
                assertGone(pid);
            }
        }
    }

    @Test
    void serviceThatIgnoresSigtermIsKilledWhenItsCallerDies() throws Exception {
        Path leader = tmp.resolve("leader.pid");
        service("test.Stubborn", "trap '' TERM\necho $$ > " + leader + "\nsleep 600\n");
        try (Call call = call("test.Stubborn")) {
            long pid = pid(leader);
            long start = System.nanoTime();
            call.caller().close();
            assertThat(call.report().require()).isEqualTo(new Message.ExitCode(128 + 9));
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isGreaterThanOrEqualTo(ServiceRunner.TERMINATION_GRACE.minusMillis(100));
            assertGone(pid);
        }
    }

    @Test
    void openInVmHandlerOfACallerThatDiesIsKilled() throws Exception {
        Path handlerPid = tmp.resolve("handler.pid");
        Path handler = Files.createDirectories(tmp.resolve(".config/airlock")).resolve("open-handler");
        Files.writeString(handler, "#!/bin/sh\necho $$ > " + handlerPid + "\nexec sleep 600\n");
        Files.setPosixFilePermissions(handler, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Call call = call(ServiceRunner.OPEN_IN_VM)) {
            call.caller().write(ByteBuffer.wrap(NameField.encode("doc.txt".getBytes(StandardCharsets.UTF_8),
                    false)));
            call.caller().write(ByteBuffer.wrap("content".getBytes(StandardCharsets.UTF_8)));
            call.caller().shutdownOutput();
            long pid = pid(handlerPid);
            call.caller().close();
            assertThat(call.report().require()).isEqualTo(new Message.ExitCode(ServiceSide.CALLER_GONE));
            assertGone(pid);
        }
    }

    private void service(String name, String script) throws IOException {
        Path exe = Files.createDirectories(tmp.resolve("rpc")).resolve(name);
        Files.writeString(exe, "#!/bin/sh\n" + script);
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** A started call: the caller's end, and the CONNECT connection on which the agent reports the call's end. */
    private record Call(UnixListener broker, Thread agent, UnixSocket control, UnixSocket connection,
                        MessageReader report, UnixSocket caller) implements AutoCloseable {
        @Override
        public void close() {
            agent.interrupt();
            caller.close();
            connection.close();
            control.close();
            broker.close();
        }
    }

    private Call call(String service) throws IOException {
        Path socket = tmp.resolve("agent.sock");
        Agent agent = new Agent(socket, new ServiceRunner(tmp, List.of(tmp.resolve("rpc"))));
        UnixListener broker = UnixListener.bind(socket);
        Thread t = Thread.ofPlatform().daemon().start(() -> {
            try {
                agent.run();
            } catch (InterruptedException e) {
                // The test is over.
            }
        });
        UnixSocket control = broker.accept();
        assertThat(greet(control).require()).isEqualTo(new AgentReady());
        MessageEncoder.write(new ServiceStart(9, "work", new ServiceCall(service, "")), control);
        UnixSocket connection = broker.accept();
        MessageReader report = greet(connection);
        assertThat(report.require()).isEqualTo(new Connect(9));
        UnixSocket[] pair = UnixSocket.pair();
        connection.sendWithDescriptor(ByteBuffer.wrap(MessageEncoder.encode(new CallChannel())), pair[1]);
        pair[1].close();
        return new Call(broker, t, control, connection, report, pair[0]);
    }

    private static MessageReader greet(UnixSocket ch) throws IOException {
        MessageEncoder.write(Hello.current(), ch);
        MessageReader in = new MessageReader(ch);
        assertThat(in.require()).isEqualTo(Hello.current());
        return in;
    }

    /** The pid a service wrote to {@code file}, once it has. */
    private static long pid(Path file) throws Exception {
        while (!Files.exists(file) || !Files.readString(file).endsWith("\n")) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
        return Long.parseLong(Files.readString(file).strip());
    }

    /** Waits up to 5 s until {@code pid} has exited (a zombie that the test machine's init leaves has). */
    private static void assertGone(long pid) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (running(pid) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
        assertThat(running(pid)).as("process %d still runs", pid).isFalse();
    }

    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return !stat.substring(stat.lastIndexOf(')') + 1).strip().startsWith("Z");
        } catch (IOException e) {
            return false;
        }
    }
}
