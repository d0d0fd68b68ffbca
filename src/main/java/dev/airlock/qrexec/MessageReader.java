package dev.airlock.qrexec;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;

/**
 * Reads whole messages from a blocking channel handed to it, never a byte past the message it returns: a connection
 * whose first messages are read here can then be handed on, as raw bytes, to the other side of a call.
 */
public final class MessageReader {
    private final ReadableByteChannel in;
    private final MessageDecoder decoder = new MessageDecoder();
    private final ByteBuffer header = ByteBuffer.allocate(Wire.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);

    public MessageReader(ReadableByteChannel in) {
        this.in = in;
    }

    /**
     * The next message, or empty at a clean end of input (between messages).
     *
     * @throws ProtocolException for a malformed message, or input that ends inside one
     */
    public Optional<Message> read() throws IOException {
        header.clear();
        if (!fill(header, true)) {
            return Optional.empty();
        }
        // The decoder judges the header before the payload is read, so a hostile length never reaches allocate.
        Optional<Message> m = decoder.next(header.flip());
        if (m.isPresent()) {
            return m;
        }
        ByteBuffer payload = ByteBuffer.allocate(header.getInt(4));
        fill(payload, false);
        return decoder.next(payload.flip());
    }

    /** The next message, which must come. */
    public Message require() throws IOException {
        return read().orElseThrow(() -> new EOFException("the connection ended before the expected message"));
    }

    private boolean fill(ByteBuffer b, boolean endAllowed) throws IOException {
        while (b.hasRemaining()) {
            if (in.read(b) < 0) {
                if (endAllowed && b.position() == 0) {
                    return false;
                }
                throw new ProtocolException(ProtocolException.Reason.TRUNCATED, "input ended inside a message");
            }
        }
        return true;
    }
}
