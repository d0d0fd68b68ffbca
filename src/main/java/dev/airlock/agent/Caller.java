package dev.airlock.agent;

import dev.airlock.qrexec.DataStream;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.Message.CallAccepted;
import dev.airlock.qrexec.Message.CallRefused;
import dev.airlock.qrexec.Message.CallRequest;
import dev.airlock.qrexec.Message.Connect;
import dev.airlock.qrexec.Message.Data;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.qrexec.Wire;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The calling side of a call: its stdin goes to the service in frames, and the service's stdout, stderr and exit
 * code come back. Used by {@code qrexec-client-vm} in a domain and by {@code airlock run} on the host.
 */
public final class Caller {

    /** What the call ended with: the exit code, and the reason when the broker refused it. */
    public record Outcome(int exitCode, Optional<String> refusal) {
    }

    private Caller() {
    }

    /** Asks the broker behind {@code socket} for a call and runs it to its end. */
    public static Outcome call(Path socket, String target, ServiceCall call, InputStream stdin, OutputStream stdout,
                               OutputStream stderr) throws IOException {
        try (Connections.Link data = connect(socket, target, call)) {
            return new Outcome(exchange(data.channel(), data.in(), stdin, stdout, stderr), Optional.empty());
        } catch (Refused r) {
            return new Outcome(r.exitCode(), Optional.of(r.getMessage()));
        }
    }

    /** The broker refused the call. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        Refused(int exitCode, String reason) {
            super(reason, null, false, false);
            this.exitCode = exitCode;
        }

        /** 126 refused, 127 no such service, 125 failure of the call machinery. */
        public int exitCode() {
            return exitCode;
        }
    }

    /** Asks for a call and returns its data connection, past the HELLO exchange. */
    public static Connections.Link connect(Path socket, String target, ServiceCall call)
            throws IOException, Refused {
        Message answer;
        try (Connections.Link request = Connections.open(socket, new CallRequest(1, target, call))) {
            answer = request.in().require();
        }
        return switch (answer) {
            case CallRefused r -> throw new Refused(r.exitCode(), r.reason());
            case CallAccepted a -> Connections.open(socket, new Connect(a.token()));
            default -> throw new IOException("unexpected answer from the broker: " + answer.getClass().getSimpleName());
        };
    }

    /**
     * Runs the data of a call on {@code ch}: returns the service's exit code, or 125 when the connection ends
     * without one.
     */
    public static int exchange(SocketChannel ch, MessageReader in, InputStream stdin, OutputStream stdout,
                               OutputStream stderr) throws IOException {
        Thread.ofVirtual().name("airlock-caller-stdin").start(() -> send(stdin, ch));
        for (Optional<Message> m = in.read(); m.isPresent(); m = in.read()) {
            switch (m.get()) {
                case Data d when d.stream() == DataStream.STDOUT -> {
                    stdout.write(d.bytes());
                    stdout.flush();
                }
                case Data d when d.stream() == DataStream.STDERR -> {
                    stderr.write(d.bytes());
                    stderr.flush();
                }
                case Message.ExitCode e -> {
                    return e.code();
                }
                default -> {
                    // Nothing else flows to the caller.
                }
            }
        }
        return Wire.EXIT_MACHINERY;
    }

    private static void send(InputStream stdin, SocketChannel ch) {
        try (FrameOutput out = new FrameOutput(ch, DataStream.STDIN, new Object())) {
            byte[] b = new byte[Wire.MAX_LENGTH];
            for (int n; (n = stdin.read(b)) >= 0; ) {
                out.write(ByteBuffer.wrap(b, 0, n));
            }
        } catch (IOException e) {
            // The service is done and the connection closed: the rest of the input is not wanted.
        }
    }
}
