package dev.airlock.broker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Joins the two data connections of a call byte for byte, both ways, without reading what passes. Each direction
 * ends on its own: the end of one side's input becomes the end of the other side's input, while the opposite
 * direction keeps flowing. When the service's side is done (its output ended), the caller's writes have nowhere to
 * go, so both connections close and a caller still writing fails at once; what was already passed on stays
 * readable, since a Unix socket's queued data outlives its sender.
 */
final class Splice {
    private static final int CHUNK = 64 * 1024;

    private Splice() {
    }

    /** Runs until both directions are done, then closes both connections. */
    static void join(SocketChannel caller, SocketChannel service) {
        join(caller, service, () -> { });
    }

    /**
     * As {@link #join(SocketChannel, SocketChannel)}, and runs {@code callerDone} as soon as the caller's
     * connection ends (its end of input, or an error).
     */
    static void join(SocketChannel caller, SocketChannel service, Runnable callerDone) {
        Thread up = Thread.ofVirtual().name("airlock-splice-in").start(() -> {
            copy(caller, service);
            callerDone.run();
        });
        copy(service, caller);
        closeQuietly(service);
        closeQuietly(caller);
        try {
            up.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void copy(SocketChannel from, SocketChannel to) {
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
            to.shutdownOutput();
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
