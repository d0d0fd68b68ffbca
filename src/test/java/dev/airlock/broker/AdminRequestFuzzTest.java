package dev.airlock.broker;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the admin socket's request parsing (issue 17), through a real {@link AdminServer} on a
 * scratch home with handlers that read their fields the way the broker's do. Whatever a request holds (not JSON,
 * nested too deep, a missing or odd {@code op}, fields of the wrong type, bytes after the line), the server answers
 * with exactly one line that is a JSON object holding {@code ok} or {@code error}, never a stack trace, and it goes
 * on answering: a {@code ping} after each request is still served.
 */
class AdminRequestFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AirlockHome HOME = startServer();

    private static AirlockHome startServer() {
        try {
            AirlockHome home = new AirlockHome(Files.createTempDirectory("airlock-jazzer-admin-"));
            home.ensureCreated();
            Map<String, Function<JsonNode, ObjectNode>> handlers = Map.of(
                    "ping", r -> AdminServer.ok(),
                    "start", r -> AdminServer.ok().put("name", r.get("name").asText()),
                    "approve", r -> AdminServer.ok().put("id", r.get("id").asLong()),
                    "clipboard-copy", r -> AdminServer.ok().put("bytes", r.path("text").asText().length()));
            Map<String, AdminServer.StreamHandler> streams = Map.of("run", (request, ch) ->
                    AdminServer.answer(ch, AdminServer.ok().put("domain", request.path("domain").asText())));
            AdminServer server = AdminServer.start(home, handlers, streams);
            // One server for the whole fuzzing run; it goes with the JVM, and so does its scratch home.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                    Files.deleteIfExists(home.adminSocket());
                    Files.deleteIfExists(home.run());
                    Files.deleteIfExists(home.root());
                } catch (IOException e) {
                    // A scratch folder left in the temporary directory is all that is lost.
                }
            }));
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void request(byte[] data) throws IOException {
        // The server reads one line and never a byte past it (those belong to a streaming call); a client that
        // sent more would see its connection reset when the server closes, which is the client's own doing.
        int newline = indexOf(data, (byte) '\n');
        byte[] answer = exchange(newline < 0 ? data : Arrays.copyOf(data, newline + 1));
        assertThat(answer).as("one answer line").isNotEmpty();
        String line = new String(answer, StandardCharsets.UTF_8);
        assertThat(line).endsWith("\n");
        assertThat(line.indexOf('\n')).as("a single line").isEqualTo(line.length() - 1);
        JsonNode n = JSON.readTree(line);
        assertThat(n.isObject()).as("answer %s is an object", line).isTrue();
        assertThat(n.path("ok").asBoolean() || n.path("error").isTextual()).as("answer %s", line).isTrue();
        assertThat(line).doesNotContain("\tat ").doesNotContain("Exception:");
        assertThat(new String(exchange("{\"op\":\"ping\"}\n".getBytes(StandardCharsets.US_ASCII)),
                StandardCharsets.UTF_8)).as("the server still answers").isEqualTo("{\"ok\":true}\n");
    }

    private static int indexOf(byte[] data, byte b) {
        for (int i = 0; i < data.length; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** Sends {@code request} on a new connection, closes the sending side, and returns all that comes back. */
    private static byte[] exchange(byte[] request) throws IOException {
        try (var ch = java.nio.channels.SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(HOME.adminSocket()));
            ByteBuffer out = ByteBuffer.wrap(request);
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ch.shutdownOutput();
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            ByteBuffer b = ByteBuffer.allocate(8192);
            while (ch.read(b.clear()) > 0) {
                in.write(b.array(), 0, b.position());
            }
            return in.toByteArray();
        }
    }
}
