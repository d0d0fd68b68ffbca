package dev.airlock.agent;

import dev.airlock.qrexec.DataStream;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.Message.Data;
import dev.airlock.qrexec.MessageReader;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a called service sends back, as its caller takes it: the service's stdout as a channel of plain bytes, its
 * stderr shown as it comes, its exit code at the end. The one place on the calling side that reads a call's frames,
 * so {@link Caller} and {@link CopyToDomain} read them alike, and a copy's packer reads the receiver's reply straight
 * from here rather than through a thread and a pipe.
 *
 * <p>The stdout channel ends with the call (its exit code, or the end of the connection), not with the stdout EOF
 * message: what came after that message could only be stderr. An input that breaks the protocol ends the channel too;
 * {@link #exitCode()} then reports it.
 */
final class CallOutput implements ReadableByteChannel {
    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);

    private final MessageReader in;
    private final OutputStream stderr;
    private ByteBuffer pending = NOTHING;
    private boolean ended;
    private OptionalInt exitCode = OptionalInt.empty();
    private IOException failure;

    CallOutput(MessageReader in, OutputStream stderr) {
        this.in = in;
        this.stderr = stderr;
    }

    /** The next bytes of the service's stdout; -1 once the call has ended. */
    @Override
    public synchronized int read(ByteBuffer dst) {
        while (!pending.hasRemaining()) {
            if (ended) {
                return -1;
            }
            next();
        }
        int n = Math.min(dst.remaining(), pending.remaining());
        dst.put(dst.position(), pending, pending.position(), n);
        dst.position(dst.position() + n);
        pending.position(pending.position() + n);
        return n;
    }

    /**
     * Reads on to the end of the call, dropping stdout nobody read, and returns the exit code: empty when the
     * connection ended without one.
     *
     * @throws IOException the protocol error or failed read that ended the call
     */
    synchronized OptionalInt exitCode() throws IOException {
        while (!ended) {
            next();
        }
        if (failure != null) {
            throw failure;
        }
        return exitCode;
    }

    /** Copies the rest of stdout to {@code out} and returns the exit code, as {@link #exitCode()}. */
    OptionalInt copyTo(OutputStream out) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        ByteBuffer b = ByteBuffer.wrap(chunk);
        for (int n; (n = read(b.clear())) >= 0; ) {
            out.write(chunk, 0, n);
            out.flush();
        }
        return exitCode();
    }

    private void next() {
        try {
            Optional<Message> m = in.read();
            if (m.isEmpty()) {
                ended = true;
                return;
            }
            switch (m.get()) {
                case Data d when d.stream() == DataStream.STDOUT -> pending = d.view();
                case Data d when d.stream() == DataStream.STDERR -> {
                    stderr.write(d.bytes());
                    stderr.flush();
                }
                case Message.ExitCode e -> {
                    exitCode = OptionalInt.of(e.code());
                    ended = true;
                }
                default -> {
                    // Nothing else flows to the caller.
                }
            }
        } catch (IOException e) {
            failure = e;
            ended = true;
        }
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    /** The connection belongs to the call; closing this view of it changes nothing. */
    @Override
    public void close() {
    }
}
