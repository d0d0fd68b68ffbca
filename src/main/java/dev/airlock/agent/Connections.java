package dev.airlock.agent;

import dev.airlock.contract.InDomain;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** New connections to the broker from inside a domain, each opened with the HELLO exchange. */
public final class Connections {
    /** The domain's socket to the broker, as the sandbox shows it. */
    public static final Path AGENT_SOCKET = Path.of(InDomain.AGENT_SOCKET);

    /** An open connection and the reader of what the broker sends on it. */
    public record Link(UnixSocket channel, MessageReader in) implements AutoCloseable {
        @Override
        public void close() {
            channel.close();
        }
    }

    private static final long HELLO_PATIENCE_MILLIS = 2000;

    private Connections() {
    }

    /** The folder of {@link #AGENT_SOCKET}, there even while a restarting broker has no socket in it. */
    public static final Path CHANNEL = Path.of(InDomain.CHANNEL);

    /** True inside a domain. */
    public static boolean insideDomain() {
        return Files.isDirectory(CHANNEL);
    }

    /**
     * True when a broker answers on {@code socket}. A broker that died leaves the socket file bound in the sandbox
     * with nobody listening, and a connection is refused at once. A connection alone is not proof: while a killed
     * broker's descriptors are being closed, its listening socket may still accept after the call's connection
     * already ended; only a broker that answers HELLO is alive. One that does not answer within
     * {@code patienceMillis} counts as alive (busy), so that the original error is kept.
     */
    public static boolean brokerListens(Path socket) {
        return brokerListens(socket, HELLO_PATIENCE_MILLIS);
    }

    static boolean brokerListens(Path socket, long patienceMillis) {
        UnixSocket ch;
        try {
            ch = UnixSocket.connect(socket, UnixSocket.Descriptors.REFUSE);
        } catch (IOException e) {
            return false;
        }
        try (ch) {
            CompletableFuture<Boolean> answered = new CompletableFuture<>();
            Thread.ofPlatform().daemon().name("airlock-broker-probe").start(() -> {
                try {
                    answered.complete(new MessageReader(ch).require() instanceof Message.Hello);
                } catch (IOException | RuntimeException e) {
                    answered.complete(false);
                }
            });
            return answered.get(patienceMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return true;
        } catch (ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /**
     * Connects, exchanges HELLO and sends {@code first}, which decides what the connection is; {@code descriptors}
     * says whether the broker may hand over a call's end on it.
     */
    public static Link open(Path socket, Message first, UnixSocket.Descriptors descriptors) throws IOException {
        UnixSocket ch = UnixSocket.connect(socket, descriptors);
        try {
            MessageEncoder.write(Message.Hello.current(), ch);
            MessageEncoder.write(first, ch);
            MessageReader in = new MessageReader(ch);
            expect(in, Message.Hello.class);
            return new Link(ch, in);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    /** Reads the next message, which must be a {@code type}. */
    static <T extends Message> T expect(MessageReader in, Class<T> type) throws IOException {
        Message m = in.require();
        if (!type.isInstance(m)) {
            throw new IOException("unexpected " + m.getClass().getSimpleName() + " from the broker");
        }
        return type.cast(m);
    }
}
