package dev.airlock.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link UnixSocket#awaitHangUp}: a peer gone for good is told apart from one that only ended its output. */
@Timeout(30)
class HangUpTest {

    @Test
    void peersHalfCloseIsNotAHangUp() throws Exception {
        UnixSocket[] p = UnixSocket.pair();
        try (UnixSocket caller = p[0]; UnixSocket service = p[1]) {
            CompletableFuture<Void> hup = watch(service);
            caller.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            caller.shutdownOutput();
            assertThatThrownBy(() -> hup.get(500, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
            caller.close();
            hup.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void peerThatClosesWithUnreadDataIsAHangUp() throws Exception {
        UnixSocket[] p = UnixSocket.pair();
        try (UnixSocket caller = p[0]; UnixSocket service = p[1]) {
            service.write(ByteBuffer.wrap(new byte[4096]));
            caller.close();
            watch(service).get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void closingThisSideWakesTheWatcher() throws Exception {
        UnixSocket[] p = UnixSocket.pair();
        try (UnixSocket caller = p[0]; UnixSocket service = p[1]) {
            CompletableFuture<Void> hup = watch(service);
            assertThatThrownBy(() -> hup.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
            service.close();
            hup.get(5, TimeUnit.SECONDS);
            assertThat(caller.isOpen()).isTrue();
            assertThatThrownBy(service::awaitHangUp).isInstanceOf(ClosedChannelException.class);
        }
    }

    private static CompletableFuture<Void> watch(UnixSocket s) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                s.awaitHangUp();
                f.complete(null);
            } catch (IOException | RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }
}
