package dev.airlock.qrexec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;

/**
 * The one reader of length-framed input from a peer that is not trusted: qrexec messages ({@link MessageReader}) and
 * the pendrive channel read their frames here. A frame is a fixed-size header that announces its body's length,
 * then the body. The framing judges the header before the body is read, so a hostile length is refused before
 * anything is allocated for it; input may end cleanly only between frames; and the first error is final, so a
 * caller that read on after a refusal could not resynchronise on bytes the peer chose.
 *
 * <p>Reads never go past the frame they return: a connection whose first frames are read here can be handed on.
 */
public final class FrameReader {
    /** How one framing's header reads, and how it fails. */
    public interface Framing {
        /** The fixed size of a header. */
        int headerSize();

        /**
         * The body length {@code header} announces (its byte order already set), or an exception that refuses it:
         * the check against the framing's bounds belongs here, before the body is allocated.
         */
        int bodyLength(ByteBuffer header) throws IOException;

        /** The error for input that ends inside a frame. */
        IOException truncated();
    }

    /** One frame: its header (read-only, at position 0) and its body (flipped, ready to parse). */
    public record Frame(ByteBuffer header, ByteBuffer body) {
    }

    private final ReadableByteChannel in;
    private final Framing framing;
    private final ByteOrder order;
    private IOException failure;

    public FrameReader(ReadableByteChannel in, Framing framing, ByteOrder order) {
        this.in = in;
        this.framing = framing;
        this.order = order;
    }

    /**
     * The next frame, or empty at a clean end of input (between frames).
     *
     * @throws IOException the framing's refusal of a header, or its truncation error; then every later call too
     */
    public Optional<Frame> read() throws IOException {
        if (failure != null) {
            throw failure;
        }
        try {
            ByteBuffer header = ByteBuffer.allocate(framing.headerSize()).order(order);
            if (!fill(header, true)) {
                return Optional.empty();
            }
            header.flip();
            int length = framing.bodyLength(header.asReadOnlyBuffer().order(order));
            if (length < 0) {
                throw new IllegalStateException("a framing announced a negative body length");
            }
            ByteBuffer body = ByteBuffer.allocate(length).order(order);
            fill(body, false);
            return Optional.of(new Frame(header.asReadOnlyBuffer().order(order), body.flip()));
        } catch (IOException e) {
            failure = e;
            throw e;
        }
    }

    private boolean fill(ByteBuffer b, boolean endAllowed) throws IOException {
        while (b.hasRemaining()) {
            if (in.read(b) < 0) {
                if (endAllowed && b.position() == 0) {
                    return false;
                }
                throw framing.truncated();
            }
        }
        return true;
    }
}
