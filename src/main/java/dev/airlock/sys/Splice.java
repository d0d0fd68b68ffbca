package dev.airlock.sys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Joins a host client's connection (a JDK channel, which cannot take a passed descriptor) to a raw Unix socket, byte
 * for byte, both ways, without reading what passes: {@code airlock run}'s admin connection to the broker's end of a
 * call, and a host display client to its domain's display server. Each direction ends on its own: the end of one side's input becomes the end of the other
 * side's input, while the opposite direction keeps flowing. When the service's side is done (its output ended),
 * the caller's writes have nowhere to go, so both connections close and a caller still writing fails at once; what
 * was already passed on stays readable, since a Unix socket's queued data outlives its sender.
 *
 * <p>The end of the caller's input is a half-close, the same on the wire as a caller that died, so the relay knows
 * the caller is gone only when its connection fails or the service's output can no longer be written to it.
 */
public final class Splice {
    private static final int CHUNK = 64 * 1024;

    private Splice() {
    }

    /** How one direction's copy ended. */
    private enum End {
        /** The source's input ended (or the copy was cut short by the other side's close). */
        INPUT_ENDED,
        /** Reading the source failed. */
        READ_FAILED,
        /** Writing to the destination failed: it is gone. */
        WRITE_FAILED
    }

    /** Runs until both directions are done, then closes both connections. */
    public static void join(SocketChannel caller, UnixSocket service) {
        join(caller, service, () -> { });
    }

    /**
     * As {@link #join(SocketChannel, UnixSocket)}, and runs {@code callerGone} once if the caller goes away while
     * the call runs: reading its connection fails, or the service's output cannot be written to it.
     */
    public static void join(SocketChannel caller, UnixSocket service, Runnable callerGone) {
        AtomicBoolean told = new AtomicBoolean();
        Runnable gone = () -> {
            if (told.compareAndSet(false, true)) {
                callerGone.run();
            }
        };
        // Platform threads: the raw socket's calls block in native code, which would hold a virtual carrier.
        Thread up = Thread.ofPlatform().daemon().name("airlock-splice-in").start(() -> {
            if (copy(caller, service, service::shutdownOutput) == End.READ_FAILED) {
                gone.run();
            }
        });
        Thread down = Thread.ofPlatform().daemon().name("airlock-splice-out").start(() -> {
            if (copy(service, caller, caller::shutdownOutput) == End.WRITE_FAILED) {
                gone.run();
            }
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

    private static End copy(ByteChannel from, ByteChannel to, EndOutput endOutput) {
        End end = pump(from, to);
        try {
            endOutput.run();
        } catch (IOException e) {
            // Already closed: the receiver has its end of input either way.
        }
        return end;
    }

    private static End pump(ByteChannel from, ByteChannel to) {
        ByteBuffer b = ByteBuffer.allocateDirect(CHUNK);
        while (true) {
            try {
                if (from.read(b) < 0) {
                    return End.INPUT_ENDED;
                }
            } catch (IOException e) {
                // Closed here when the other direction ended, or the source failed.
                return from.isOpen() ? End.READ_FAILED : End.INPUT_ENDED;
            }
            b.flip();
            try {
                while (b.hasRemaining()) {
                    to.write(b);
                }
            } catch (IOException e) {
                // The other direction may still carry the service's last words (its exit code), so nothing is
                // closed here: the joined pair closes when the service's side ends.
                return to.isOpen() ? End.WRITE_FAILED : End.INPUT_ENDED;
            }
            b.clear();
        }
    }

    public static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // Closing is all that is left to do with it.
        }
    }
}
