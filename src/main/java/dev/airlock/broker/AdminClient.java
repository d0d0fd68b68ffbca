package dev.airlock.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/** The host commands' side of the admin socket: one JSON request, one JSON answer, per connection. */
public final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AirlockHome home;

    public AdminClient(AirlockHome home) {
        this.home = home;
    }

    /** A new request object with its {@code op}. */
    public static ObjectNode request(String op) {
        return JSON.createObjectNode().put("op", op);
    }

    /**
     * Sends {@code request} and returns the answer. A broker that is not running is
     * {@link BrokerUnavailableException}; an answer with {@code "error"} becomes an {@link IOException} carrying it.
     */
    public JsonNode call(ObjectNode request) throws IOException {
        if (!Files.exists(home.adminSocket())) {
            throw new BrokerUnavailableException("the broker is not running (start it with: airlock up)");
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                ch.connect(UnixDomainSocketAddress.of(home.adminSocket()));
            } catch (IOException e) {
                throw new BrokerUnavailableException("the broker is not running (start it with: airlock up)");
            }
            var out = Channels.newOutputStream(ch);
            out.write((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            ch.shutdownOutput();
            byte[] answer = Channels.newInputStream(ch).readNBytes(AdminServer.MAX_MESSAGE + 1);
            if (answer.length == 0) {
                throw new IOException("the broker closed the connection without answering");
            }
            if (answer.length > AdminServer.MAX_MESSAGE) {
                throw new IOException("the broker's answer is too long");
            }
            JsonNode n = JSON.readTree(answer);
            if (n.hasNonNull("error")) {
                throw new IOException(n.get("error").asText());
            }
            return n;
        }
    }

    /**
     * Sends a streaming {@code request} (such as {@code run}) and returns the connection once the broker accepted
     * it; from then on it carries the framed data of a call. A refusal becomes an {@link IOException}.
     */
    public SocketChannel openStream(ObjectNode request) throws IOException {
        if (!Files.exists(home.adminSocket())) {
            throw new BrokerUnavailableException("the broker is not running (start it with: airlock up)");
        }
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            try {
                ch.connect(UnixDomainSocketAddress.of(home.adminSocket()));
            } catch (IOException e) {
                throw new BrokerUnavailableException("the broker is not running (start it with: airlock up)");
            }
            ByteBuffer line = ByteBuffer.wrap((JSON.writeValueAsString(request) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            while (line.hasRemaining()) {
                ch.write(line);
            }
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer one = ByteBuffer.allocate(1);
            // One byte at a time: what follows the answer line is the call's data, read by the caller.
            while (answer.size() <= AdminServer.MAX_MESSAGE && ch.read(one.clear()) > 0 && one.get(0) != '\n') {
                answer.write(one.get(0));
            }
            if (answer.size() == 0) {
                throw new IOException("the broker closed the connection without answering");
            }
            JsonNode n = JSON.readTree(answer.toByteArray());
            if (n.hasNonNull("error")) {
                throw new IOException(n.get("error").asText());
            }
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** True when a broker answers a ping. */
    public boolean isRunning() {
        try {
            call(request("ping"));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
