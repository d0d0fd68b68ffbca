package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.testing.Await;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watcher of {@code airlock copy} against a stand-in broker that answers the first request and holds the next. */
class AskPromptTest {
    private final StringWriter said = new StringWriter();
    private ServerSocketChannel broker;
    private AskPrompt prompt;

    /** Starts a prompt, answering its first request (the calls waiting before it) with none. */
    @BeforeEach
    void startPrompt(@TempDir Path tmp) throws Exception {
        AirlockHome home = new AirlockHome(tmp);
        home.ensureCreated();
        broker = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        broker.bind(UnixDomainSocketAddress.of(home.adminSocket()));
        Thread answer = Thread.ofVirtual().start(() -> {
            try (SocketChannel first = broker.accept()) {
                readRequest(first);
                first.write(ByteBuffer.wrap("{\"calls\":[]}\n".getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        prompt = AskPrompt.start(new AdminClient(home), "work", new PrintWriter(said, true));
        answer.join();
    }

    @AfterEach
    void stopBroker() throws IOException {
        prompt.close();
        broker.close();
    }

    @Test
    void closingWhileAPollIsInFlightPrintsNoError() throws Exception {
        try (SocketChannel held = broker.accept()) {
            // The copy ends while the watcher waits for this answer: that is no error.
            prompt.close();
            assertThat(said.toString()).isEmpty();
        }
    }

    @Test
    void brokerThatGoesAwayWhileWatchedIsReported() throws Exception {
        try (SocketChannel poll = broker.accept()) {
            readRequest(poll);
        }
        Await.within(Await.DEFAULT_LIMIT, () -> !said.toString().isEmpty());
        prompt.close();
        assertThat(said.toString()).isEqualTo("ERROR: cannot watch the broker's questions: the broker closed the"
                + " connection without answering\n");
    }

    @Test
    void allowAllNamesCopyIsAnnouncedAndHostileTargetNamesAreEscaped() throws Exception {
        // Names the broker would never send, as a compromised or confused one might: they must still not reach the
        // terminal as they are.
        String call = "{\"calls\":[{\"id\":7,\"source\":\"work\",\"target\":\"@default\","
                + "\"service\":\"qubes.Filecopy\",\"argument\":\"allow-all-names\","
                + "\"targets\":[\"per\\u001b]0;owned\\u0007sonal\",\"vault\\u202etxt.exe\"]}]}\n";
        try (SocketChannel poll = broker.accept()) {
            readRequest(poll);
            poll.write(ByteBuffer.wrap(call.getBytes(StandardCharsets.UTF_8)));
        }
        Await.within(Await.DEFAULT_LIMIT, () -> said.toString().contains("\n"));
        prompt.close();
        assertThat(said.toString())
                .contains("work wants to copy files to a domain you choose (qubes.Filecopy+allow-all-names, call 7)")
                .contains("names of any characters")
                .contains("per\\u001b]0;owned\\u0007sonal|vault\\u202etxt.exe")
                .doesNotContain("\u001b").doesNotContain("\u202e").doesNotContain("\u0007");
    }

    /** Reads a request to its end (the client shuts its output down), so that closing resets nothing. */
    private static void readRequest(SocketChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4096);
        while (ch.read(b.clear()) >= 0) {
            // Only the end matters.
        }
    }
}
