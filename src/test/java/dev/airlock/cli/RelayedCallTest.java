package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.qrexec.Wire;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call relayed on an admin connection whose broker dies: its home has no admin socket left, and the connection
 * ends (or is reset) without the command's exit code.
 */
class RelayedCallTest {
    private static final String LOST = "the broker stopped answering";

    @Test
    void brokerKilledMidCallIs125WithTheReasonNotASilentExit(@TempDir Path tmp) throws Exception {
        try (ServerSocketChannel broker = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            broker.bind(UnixDomainSocketAddress.of(tmp.resolve("gone.sock")));
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(tmp.resolve("gone.sock")))) {
                broker.accept().close();
                assertLost(tmp, ch);
            }
        }
    }

    @Test
    void brokerKilledWithUnreadInputResetsTheConnectionAndIsStill125WithTheReason(@TempDir Path tmp)
            throws Exception {
        try (ServerSocketChannel broker = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            broker.bind(UnixDomainSocketAddress.of(tmp.resolve("gone.sock")));
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(tmp.resolve("gone.sock")))) {
                SocketChannel end = broker.accept();
                ch.write(ByteBuffer.wrap(new byte[] {1}));
                // Closing a Unix socket with unread data resets its peer's reads (ECONNRESET), as a killed broker does.
                end.close();
                assertLost(tmp, ch);
            }
        }
    }

    private static void assertLost(Path tmp, SocketChannel ch) throws Exception {
        StringWriter said = new StringWriter();
        AdminClient client = new AdminClient(new AirlockHome(tmp.resolve("home")));
        int code = RelayedCall.run(client, ch, new ByteArrayInputStream(new byte[0]), new PrintWriter(said, true),
                LOST);
        assertThat(code).isEqualTo(Wire.EXIT_MACHINERY);
        assertThat(said.toString()).isEqualTo("ERROR: " + LOST + "\n");
    }
}
