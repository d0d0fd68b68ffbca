package dev.airlock.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The relay of {@code airlock run}: what it tells apart as the end of the caller's input and the caller's loss. */
@Timeout(30)
class SpliceTest {

    /** The host's side of an admin connection and the broker's side of it. */
    private record Admin(SocketChannel host, SocketChannel broker) {
    }

    private static Admin admin(Path dir) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(dir.resolve("admin.sock")));
            SocketChannel host = SocketChannel.open(server.getLocalAddress());
            return new Admin(host, server.accept());
        }
    }

    @Test
    void callerThatVanishesWhileTheServiceRunsIsReportedGone(@TempDir Path dir) throws Exception {
        Admin a = admin(dir);
        UnixSocket[] call = UnixSocket.pair();
        CountDownLatch gone = new CountDownLatch(1);
        Thread relay = Thread.ofPlatform().start(() -> Splice.join(a.broker(), call[0], gone::countDown));
        try (UnixSocket service = call[1]) {
            a.host().close();
            // The service's next output finds nobody to take it.
            ByteBuffer chunk = ByteBuffer.allocate(4096);
            while (!gone.await(10, TimeUnit.MILLISECONDS)) {
                try {
                    service.write(chunk.clear());
                } catch (IOException e) {
                    break;
                }
            }
            assertThat(gone.await(5, TimeUnit.SECONDS)).isTrue();
            relay.join(5000);
            assertThat(relay.isAlive()).isFalse();
        }
    }

    @Test
    void callerThatOnlyEndsItsInputIsNotReportedGone(@TempDir Path dir) throws Exception {
        Admin a = admin(dir);
        UnixSocket[] call = UnixSocket.pair();
        AtomicInteger gone = new AtomicInteger();
        Thread relay = Thread.ofPlatform().start(() -> Splice.join(a.broker(), call[0], gone::incrementAndGet));
        try (SocketChannel host = a.host(); UnixSocket service = call[1]) {
            host.write(ByteBuffer.wrap("in".getBytes(StandardCharsets.US_ASCII)));
            host.shutdownOutput();
            assertThat(readAll(service)).isEqualTo("in");
            service.write(ByteBuffer.wrap("out".getBytes(StandardCharsets.US_ASCII)));
            service.close();
            ByteBuffer b = ByteBuffer.allocate(16);
            StringBuilder got = new StringBuilder();
            while (host.read(b.clear()) >= 0) {
                got.append(StandardCharsets.US_ASCII.decode(b.flip()));
            }
            assertThat(got.toString()).isEqualTo("out");
            relay.join(5000);
            assertThat(relay.isAlive()).isFalse();
            assertThat(gone.get()).isZero();
        }
    }

    private static String readAll(UnixSocket s) throws IOException {
        StringBuilder b = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocateDirect(64);
        while (s.read(buf.clear()) >= 0) {
            b.append(StandardCharsets.US_ASCII.decode(buf.flip()));
        }
        return b.toString();
    }
}
