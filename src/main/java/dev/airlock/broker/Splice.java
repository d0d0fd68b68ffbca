package dev.airlock.broker;

import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;

/**
 * Joins a host client's admin connection to the broker's end of a call, byte for byte, both ways, without reading
 * what passes: the one relay left ({@code airlock run}), because the admin connection is a JDK channel, which cannot
 * take a passed descriptor. Each direction ends on its own: the end of one side's input becomes the end of the other
 * side's input, while the opposite direction keeps flowing. When the service's side is done (its output ended),
 * the caller's writes have nowhere to go, so both connections close and a caller still writing fails at once; what
 * was already passed on stays readable, since a Unix socket's queued data outlives its sender.
 */
final class Splice {
    private static final int CHUNK = 64 * 1024;

    private Splice() {
    }

    /** Runs until both directions are done, then closes both connections. */
    static void join(SocketChannel caller, UnixSocket service) {
        // Platform threads: the raw socket's calls block in native code, which would hold a virtual carrier.
        Thread up = Thread.ofPlatform().daemon().name("airlock-splice-in")
                .start(() -> copy(caller, service, service::shutdownOutput));
        Thread down = Thread.ofPlatform().daemon().name("airlock-splice-out").start(() -> {
            copy(service, caller, caller::shutdownOutput);
            service.close();
            closeQuietly(caller);
        });
        try {
            down.join();
            up.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private interface EndOutput {
        void run() throws IOException;
    }

    private static void copy(ByteChannel from, ByteChannel to, EndOutput end) {
        ByteBuffer b = ByteBuffer.allocateDirect(CHUNK);
        try {
            while (from.read(b) >= 0) {
                b.flip();
                while (b.hasRemaining()) {
                    to.write(b);
                }
                b.clear();
            }
        } catch (IOException e) {
            // One side went away. The other direction may still carry the service's last words (its exit code),
            // so nothing is closed here: the joined pair closes when the service's side ends.
        }
        try {
            end.run();
        } catch (IOException e) {
            // Already closed: the receiver has its end of input either way.
        }
    }

    static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // Closing is all that is left to do with it.
        }
    }
}
