package dev.airlock.agent;

import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.Message.CallAccepted;
import dev.airlock.qrexec.Message.CallRefused;
import dev.airlock.qrexec.Message.CallRequest;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.qrexec.Wire;
import dev.airlock.sys.BlockingThreads;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The calling side of a call: its stdin goes to the service as raw bytes ended by a half-close, and the service's
 * stdout, stderr and exit code come back as frames. Used by {@code qrexec-client-vm} in a domain and by
 * {@code airlock run} on the host.
 */
public final class Caller {
    private static final int CHUNK = 64 * 1024;

    /** What the call ended with: the exit code, and the reason when the broker refused it. */
    public record Outcome(int exitCode, Optional<String> refusal) {
    }

    /**
     * Bound by a resident agent running a thin client's command: receives, for each call that command opens, how
     * to end it when the client is gone (Ctrl-C, killed). A caller process that dies closes its sockets; a resident
     * one must end them itself, and a thread blocked reading a socket wakes on its shutdown, not on an interrupt.
     */
    public static final ScopedValue<Consumer<Runnable>> ON_CANCEL = ScopedValue.newInstance();

    private Caller() {
    }

    /** Asks the broker behind {@code socket} for a call and runs it to its end. */
    public static Outcome call(Path socket, String target, ServiceCall call, InputStream stdin, OutputStream stdout,
                               OutputStream stderr) throws IOException {
        try (Call c = connect(socket, target, call)) {
            return new Outcome(exchange(c.data(), stdin, stdout, stderr), Optional.empty());
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

    /**
     * An accepted call: its own connection, and the request connection, held open for the call's life because its
     * end is how the broker learns that the caller is gone (a caller that dies closes both). Closing ends both.
     *
     * @param data    the caller's end of the call's own connection; the broker is not on it
     * @param request the connection the call was asked for on; nothing more is read from or written to it, and it
     *                takes no further descriptor
     */
    public record Call(UnixSocket data, UnixSocket request) implements AutoCloseable {
        @Override
        public void close() {
            data.close();
            request.close();
        }
    }

    /**
     * Asks for a call and returns it once accepted, with the caller's end of the call's own connection, which the
     * broker hands over with its acceptance. Close it when the call is over.
     */
    public static Call connect(Path socket, String target, ServiceCall call) throws IOException, Refused {
        Connections.Link request = Connections.open(socket, new CallRequest(1, target, call),
                UnixSocket.Descriptors.ACCEPT_ONE);
        try {
            Message answer = request.in().require();
            return switch (answer) {
                case CallRefused r -> throw new Refused(r.exitCode(), r.reason());
                case CallAccepted a -> cancellable(new Call(request.channel().takeDescriptor(), request.channel()));
                default -> throw new IOException("unexpected answer from the broker: "
                        + answer.getClass().getSimpleName());
            };
        } catch (IOException | Refused | RuntimeException e) {
            request.close();
            throw e;
        }
    }

    private static Call cancellable(Call c) {
        if (ON_CANCEL.isBound()) {
            ON_CANCEL.get().accept(() -> {
                for (UnixSocket s : List.of(c.data(), c.request())) {
                    try {
                        s.shutdownInput();
                        s.shutdownOutput();
                    } catch (IOException e) {
                        // Already closed: the call has ended by itself.
                    }
                }
            });
        }
        return c;
    }

    /**
     * Runs the data of a call on its own connection: returns the service's exit code, or 125 when the connection
     * ends without one.
     */
    public static int exchange(UnixSocket ch, InputStream stdin, OutputStream stdout, OutputStream stderr)
            throws IOException {
        return exchange(HalfChannels.output(ch), new MessageReader(ch), stdin, stdout, stderr);
    }

    /**
     * {@link #exchange(UnixSocket, InputStream, OutputStream, OutputStream)} over the admin connection of
     * {@code airlock run}, which the broker relays to the call.
     */
    public static int exchange(SocketChannel ch, MessageReader in, InputStream stdin, OutputStream stdout,
                               OutputStream stderr) throws IOException {
        WritableByteChannel out = new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) throws IOException {
                return ch.write(src);
            }

            @Override
            public boolean isOpen() {
                return ch.isOpen();
            }

            @Override
            public void close() throws IOException {
                ch.shutdownOutput();
            }
        };
        return exchange(out, in, stdin, stdout, stderr);
    }

    private static int exchange(WritableByteChannel toService, MessageReader in, InputStream stdin,
                                OutputStream stdout, OutputStream stderr) throws IOException {
        BlockingThreads.start(() -> send(stdin, toService));
        return new CallOutput(in, stderr).copyTo(stdout).orElse(Wire.EXIT_MACHINERY);
    }

    /** Copies stdin to the service and half-closes at its end. */
    private static void send(InputStream stdin, WritableByteChannel out) {
        try (out) {
            byte[] b = new byte[CHUNK];
            ByteBuffer direct = ByteBuffer.allocateDirect(CHUNK);
            for (int n; (n = stdin.read(b)) >= 0; ) {
                direct.clear().put(b, 0, n).flip();
                while (direct.hasRemaining()) {
                    out.write(direct);
                }
            }
        } catch (IOException e) {
            // The service is done and the connection closed: the rest of the input is not wanted.
        }
    }
}
