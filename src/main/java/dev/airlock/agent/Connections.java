package dev.airlock.agent;

import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.sandbox.Bwrap;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** New connections to the broker from inside a domain, each opened with the HELLO exchange. */
public final class Connections {
    /** The domain's socket to the broker, as the sandbox shows it. */
    public static final Path AGENT_SOCKET = Path.of(Bwrap.AGENT_SOCKET);

    /** An open connection and the reader of what the broker sends on it. */
    public record Link(UnixSocket channel, MessageReader in) implements AutoCloseable {
        @Override
        public void close() {
            channel.close();
        }
    }

    private Connections() {
    }

    /** The folder of {@link #AGENT_SOCKET}, there even while a restarting broker has no socket in it. */
    public static final Path CHANNEL = Path.of(Bwrap.CHANNEL);

    /** True inside a domain. */
    public static boolean insideDomain() {
        return Files.isDirectory(CHANNEL);
    }

    /**
     * True when a broker accepts connections on {@code socket}. A broker that died leaves the socket file bound in
     * the sandbox with nobody listening, and a connection is refused at once.
     */
    public static boolean brokerListens(Path socket) {
        try (UnixSocket ignored = UnixSocket.connect(socket, UnixSocket.Descriptors.REFUSE)) {
            return true;
        } catch (IOException e) {
            return false;
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
