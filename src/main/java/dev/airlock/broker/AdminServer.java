package dev.airlock.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.function.Function;

/**
 * The broker's admin socket ({@code run/admin.sock}, mode 0600): the host commands' way in. Only the user who owns
 * airlock's state may talk to it, checked with the peer's credentials on every connection, so neither another
 * local user nor a domain (which cannot see the socket at all) can drive the broker.
 *
 * <p>A request is one line of JSON. Most get one line of JSON back; a streaming request ({@code run}) gets its
 * answer line and then the connection carries the framed data of a call.
 */
final class AdminServer implements AutoCloseable {
    static final int MAX_MESSAGE = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServerSocketChannel server;
    private final Map<String, Function<JsonNode, ObjectNode>> handlers;
    private final Map<String, StreamHandler> streams;
    private final String owner;
    private final Thread acceptor;

    /** A request that takes the connection over once it is read. */
    interface StreamHandler {
        /** Writes the answer line ({@link #answer}) and then whatever the request carries. */
        void serve(JsonNode request, SocketChannel ch) throws IOException;
    }

    private AdminServer(ServerSocketChannel server, Map<String, Function<JsonNode, ObjectNode>> handlers,
                        Map<String, StreamHandler> streams, String owner) {
        this.server = server;
        this.handlers = handlers;
        this.streams = streams;
        this.owner = owner;
        this.acceptor = Thread.ofPlatform().name("airlock-admin").daemon().unstarted(this::acceptLoop);
    }

    /** Binds the admin socket (a stale socket file from a dead broker is replaced) and starts serving. */
    static AdminServer start(AirlockHome home, Map<String, Function<JsonNode, ObjectNode>> handlers,
                             Map<String, StreamHandler> streams) throws IOException {
        Files.deleteIfExists(home.adminSocket());
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(home.adminSocket()));
        Files.setPosixFilePermissions(home.adminSocket(), PosixFilePermissions.fromString("rw-------"));
        AdminServer s = new AdminServer(ch, Map.copyOf(handlers), Map.copyOf(streams), Files.getOwner(home.run()).getName());
        s.acceptor.start();
        return s;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                Thread.ofVirtual().name("airlock-admin-conn").start(() -> serve(c));
            } catch (AsynchronousCloseException e) {
                return;
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    private void serve(SocketChannel c) {
        try (c) {
            ObjectNode answer;
            UnixDomainPrincipal peer = c.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (!peer.user().getName().equals(owner)) {
                answer = error("permission denied: the broker belongs to " + owner);
            } else {
                byte[] req = readLine(c);
                StreamHandler stream = streamFor(req);
                if (stream != null) {
                    stream.serve(JSON.readTree(req), c);
                    return;
                }
                answer = req.length > MAX_MESSAGE ? error("request too long") : dispatch(req);
            }
            answer(c, answer);
        } catch (IOException e) {
            // The client went away; nothing to answer.
        }
    }

    /** The request line, without its newline; never a byte past it, which may be a call's data. */
    private static byte[] readLine(SocketChannel c) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (line.size() <= MAX_MESSAGE && c.read(one.clear()) > 0) {
            if (one.get(0) == '\n') {
                break;
            }
            line.write(one.get(0));
        }
        return line.toByteArray();
    }

    private StreamHandler streamFor(byte[] req) {
        try {
            JsonNode n = JSON.readTree(req);
            return n != null && n.hasNonNull("op") ? streams.get(n.get("op").asText()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Writes one answer line. */
    static void answer(SocketChannel c, ObjectNode answer) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((JSON.writeValueAsString(answer) + "\n").getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private ObjectNode dispatch(byte[] req) {
        JsonNode n;
        try {
            n = JSON.readTree(req);
        } catch (IOException e) {
            return error("the request is not JSON");
        }
        if (n == null || !n.hasNonNull("op")) {
            return error("the request has no op");
        }
        var h = handlers.get(n.get("op").asText());
        if (h == null) {
            return error("unknown request: " + n.get("op").asText());
        }
        try {
            return h.apply(n);
        } catch (RuntimeException e) {
            return error(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    static ObjectNode ok() {
        return JSON.createObjectNode().put("ok", true);
    }

    static ObjectNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
