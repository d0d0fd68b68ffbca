package dev.airlock.qrexec;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;

/**
 * Reads whole messages from a blocking channel handed to it, never a byte past the message it returns: a connection
 * whose first messages are read here can then be handed on, as raw bytes, to the other side of a call. The frames
 * come from the shared {@link FrameReader}; the {@link MessageDecoder} parses them.
 */
public final class MessageReader {
    /** The qrexec header: type and payload length, judged by the decoder's rules before the payload is read. */
    private static final FrameReader.Framing QREXEC = new FrameReader.Framing() {
        @Override
        public int headerSize() {
            return Wire.HEADER_SIZE;
        }

        @Override
        public int bodyLength(ByteBuffer header) throws ProtocolException {
            return MessageDecoder.payloadLength(header.getInt(0), header.getInt(4));
        }

        @Override
        public IOException truncated() {
            return new ProtocolException(ProtocolException.Reason.TRUNCATED, "input ended inside a message");
        }
    };

    private final FrameReader frames;
    private final MessageDecoder decoder = new MessageDecoder();
    private ProtocolException failure;

    public MessageReader(ReadableByteChannel in) {
        this.frames = new FrameReader(in, QREXEC, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The next message, or empty at a clean end of input (between messages).
     *
     * @throws ProtocolException for a malformed message, or input that ends inside one
     */
    public Optional<Message> read() throws IOException {
        if (failure != null) {
            throw failure;
        }
        Optional<FrameReader.Frame> frame = frames.read();
        if (frame.isEmpty()) {
            return Optional.empty();
        }
        try {
            Optional<Message> m = decoder.next(frame.get().header());
            return m.isPresent() ? m : decoder.next(frame.get().body());
        } catch (ProtocolException e) {
            // A frame that does not parse is as final as one the reader refused: reading on would take bytes
            // the peer chose for the start of a frame.
            failure = e;
            throw e;
        }
    }

    /** The next message, which must come. */
    public Message require() throws IOException {
        return read().orElseThrow(() -> new EOFException("the connection ended before the expected message"));
    }
}
