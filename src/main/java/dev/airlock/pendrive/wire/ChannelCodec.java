package dev.airlock.pendrive.wire;

import dev.airlock.pendrive.Device;
import dev.airlock.qrexec.FrameReader;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Frames of the pendrive channel: a 4-byte big-endian length (1 to {@link #MAX_FRAME}), then a type byte and the
 * type's fields. Strings are a 2-byte length and strict UTF-8 (at most {@link #MAX_STRING} bytes), devices one
 * byte, offsets 8 bytes, block lengths 4 bytes; data runs to the end of the frame. Decoding fails closed: an
 * unknown type, a field out of its limits, a short frame or bytes left over end the connection.
 */
public final class ChannelCodec {
    /** Most bytes one block read or write moves. */
    public static final int MAX_BLOCK = 1 << 20;
    /** Longest string field, in bytes of UTF-8: a key path or value of the key store fits. */
    public static final int MAX_STRING = 8192;
    /** Longest frame body: a block write's data and its fixed fields. */
    public static final int MAX_FRAME = MAX_BLOCK + 16;

    private static final byte READ = 1;
    private static final byte WRITE = 2;
    private static final byte REMOVE = 3;
    private static final byte WATCH = 4;
    private static final byte DEVICE_SIZE = 5;
    private static final byte BLOCK_READ = 6;
    private static final byte BLOCK_WRITE = 7;

    private static final byte DONE = 0x41;
    private static final byte VALUE = 0x42;
    private static final byte SIZE = 0x43;
    private static final byte DATA = 0x44;
    private static final byte FAILED = 0x45;
    private static final byte WRITTEN = 0x46;
    private static final byte REMOVED = 0x47;
    private static final byte OVERFLOW = 0x48;

    /** The length prefix, bounded before the body is allocated; read by the reader qrexec's messages share. */
    private static final FrameReader.Framing FRAMING = new FrameReader.Framing() {
        @Override
        public int headerSize() {
            return 4;
        }

        @Override
        public int bodyLength(ByteBuffer header) throws ChannelProtocolException {
            int length = header.getInt(0);
            if (length < 1 || length > MAX_FRAME) {
                throw new ChannelProtocolException("frame length " + Integer.toUnsignedString(length)
                        + " out of bounds");
            }
            return length;
        }

        @Override
        public IOException truncated() {
            return new ChannelProtocolException("stream ended inside a frame");
        }
    };

    private ChannelCodec() {
    }

    /** The whole frame of {@code r}, length prefix included, ready to write. */
    public static ByteBuffer encode(ChannelRequest r) {
        Body b = new Body();
        switch (r) {
            case ChannelRequest.Read(String path) -> b.type(READ).string(path);
            case ChannelRequest.Write(String path, String value) -> b.type(WRITE).string(path).string(value);
            case ChannelRequest.Remove(String path) -> b.type(REMOVE).string(path);
            case ChannelRequest.Watch(String path) -> b.type(WATCH).string(path);
            case ChannelRequest.DeviceSize(Device d) -> b.type(DEVICE_SIZE).device(d);
            case ChannelRequest.BlockRead(Device d, long offset, int length) ->
                    b.type(BLOCK_READ).device(d).putLong(offset).putInt(length);
            case ChannelRequest.BlockWrite(Device d, long offset, byte[] data) ->
                    b.type(BLOCK_WRITE).device(d).putLong(offset).bytes(data);
        }
        return b.frame();
    }

    /** The whole frame of {@code r}, length prefix included, ready to write. */
    public static ByteBuffer encode(ChannelResponse r) {
        Body b = new Body();
        switch (r) {
            case ChannelResponse.Done d -> b.type(DONE);
            case ChannelResponse.Value(Optional<String> value) -> {
                b.type(VALUE).put(value.isPresent() ? 1 : 0);
                value.ifPresent(b::string);
            }
            case ChannelResponse.Size(long bytes) -> b.type(SIZE).putLong(bytes);
            case ChannelResponse.Data(byte[] bytes) -> b.type(DATA).bytes(bytes);
            case ChannelResponse.Failed(ChannelResponse.Code code, String message) ->
                    b.type(FAILED).put(code.ordinal()).string(cut(message));
            case ChannelResponse.Written(String path, String value) -> b.type(WRITTEN).string(path).string(value);
            case ChannelResponse.Removed(String path) -> b.type(REMOVED).string(path);
            case ChannelResponse.Overflow o -> b.type(OVERFLOW);
        }
        return b.frame();
    }

    /** Decodes a request's frame body (without its length prefix). */
    public static ChannelRequest decodeRequest(ByteBuffer body) throws ChannelProtocolException {
        Fields f = new Fields(body);
        try {
            ChannelRequest r = switch (f.type()) {
                case READ -> new ChannelRequest.Read(f.string());
                case WRITE -> new ChannelRequest.Write(f.string(), f.string());
                case REMOVE -> new ChannelRequest.Remove(f.string());
                case WATCH -> new ChannelRequest.Watch(f.string());
                case DEVICE_SIZE -> new ChannelRequest.DeviceSize(f.device());
                case BLOCK_READ -> new ChannelRequest.BlockRead(f.device(), f.getLong(), f.getInt());
                case BLOCK_WRITE -> new ChannelRequest.BlockWrite(f.device(), f.getLong(), f.rest());
                default -> throw new ChannelProtocolException("unknown request type " + f.lastType());
            };
            f.end();
            return r;
        } catch (IllegalArgumentException e) {
            throw new ChannelProtocolException(e.getMessage());
        }
    }

    /** Decodes a response's frame body (without its length prefix). */
    public static ChannelResponse decodeResponse(ByteBuffer body) throws ChannelProtocolException {
        Fields f = new Fields(body);
        try {
            ChannelResponse r = switch (f.type()) {
                case DONE -> new ChannelResponse.Done();
                case VALUE -> new ChannelResponse.Value(f.flag() ? Optional.of(f.string()) : Optional.empty());
                case SIZE -> new ChannelResponse.Size(f.getLong());
                case DATA -> new ChannelResponse.Data(f.rest());
                case FAILED -> new ChannelResponse.Failed(f.code(), f.string());
                case WRITTEN -> new ChannelResponse.Written(f.string(), f.string());
                case REMOVED -> new ChannelResponse.Removed(f.string());
                case OVERFLOW -> new ChannelResponse.Overflow();
                default -> throw new ChannelProtocolException("unknown response type " + f.lastType());
            };
            f.end();
            return r;
        } catch (IllegalArgumentException e) {
            throw new ChannelProtocolException(e.getMessage());
        }
    }

    /**
     * Reads one frame body from {@code in}, however the bytes arrive; empty when the stream ends cleanly before
     * a frame starts.
     *
     * @throws ChannelProtocolException a length out of bounds, or the stream ending inside a frame
     */
    public static Optional<ByteBuffer> readFrame(ReadableByteChannel in) throws IOException {
        return new FrameReader(in, FRAMING, ByteOrder.BIG_ENDIAN).read().map(FrameReader.Frame::body);
    }

    private static String cut(String message) {
        return message.length() > 1000 ? message.substring(0, 1000) : message;
    }

    /** Builds one frame; the length prefix is filled in last. */
    private static final class Body {
        private ByteBuffer b = ByteBuffer.allocate(64).position(4);

        Body type(byte t) {
            return put(t);
        }

        Body put(int value) {
            room(1).put((byte) value);
            return this;
        }

        Body putInt(int value) {
            room(4).putInt(value);
            return this;
        }

        Body putLong(long value) {
            room(8).putLong(value);
            return this;
        }

        Body device(Device d) {
            return put(d.ordinal());
        }

        Body string(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            if (utf8.length > MAX_STRING) {
                throw new IllegalArgumentException("string of " + utf8.length + " bytes, at most " + MAX_STRING);
            }
            room(2 + utf8.length).putShort((short) utf8.length).put(utf8);
            return this;
        }

        Body bytes(byte[] data) {
            room(data.length).put(data);
            return this;
        }

        private ByteBuffer room(int n) {
            if (b.remaining() < n) {
                b = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + n)).put(b.flip());
            }
            return b;
        }

        ByteBuffer frame() {
            b.flip();
            b.putInt(0, b.limit() - 4);
            return b;
        }
    }

    /** Reads the fields of one frame body; every shortfall is a protocol error. */
    private static final class Fields {
        private final ByteBuffer b;
        private byte type;

        Fields(ByteBuffer body) {
            this.b = body.slice();
        }

        byte type() throws ChannelProtocolException {
            type = getByte();
            return type;
        }

        int lastType() {
            return type & 0xFF;
        }

        boolean flag() throws ChannelProtocolException {
            byte v = getByte();
            if (v != 0 && v != 1) {
                throw new ChannelProtocolException("flag byte " + (v & 0xFF));
            }
            return v == 1;
        }

        Device device() throws ChannelProtocolException {
            int v = getByte() & 0xFF;
            Device[] all = Device.values();
            if (v >= all.length) {
                throw new ChannelProtocolException("unknown device " + v);
            }
            return all[v];
        }

        ChannelResponse.Code code() throws ChannelProtocolException {
            int v = getByte() & 0xFF;
            ChannelResponse.Code[] all = ChannelResponse.Code.values();
            if (v >= all.length) {
                throw new ChannelProtocolException("unknown error code " + v);
            }
            return all[v];
        }

        String string() throws ChannelProtocolException {
            int n = Short.toUnsignedInt(getShort());
            if (n > MAX_STRING || n > b.remaining()) {
                throw new ChannelProtocolException("string of " + n + " bytes does not fit");
            }
            ByteBuffer utf8 = b.slice(b.position(), n);
            b.position(b.position() + n);
            try {
                CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(utf8);
                return chars.toString();
            } catch (CharacterCodingException e) {
                throw new ChannelProtocolException("string is not UTF-8");
            }
        }

        byte[] rest() {
            byte[] data = new byte[b.remaining()];
            b.get(data);
            return data;
        }

        byte getByte() throws ChannelProtocolException {
            try {
                return b.get();
            } catch (BufferUnderflowException e) {
                throw shortFrame();
            }
        }

        short getShort() throws ChannelProtocolException {
            try {
                return b.getShort();
            } catch (BufferUnderflowException e) {
                throw shortFrame();
            }
        }

        int getInt() throws ChannelProtocolException {
            try {
                return b.getInt();
            } catch (BufferUnderflowException e) {
                throw shortFrame();
            }
        }

        long getLong() throws ChannelProtocolException {
            try {
                return b.getLong();
            } catch (BufferUnderflowException e) {
                throw shortFrame();
            }
        }

        void end() throws ChannelProtocolException {
            if (b.hasRemaining()) {
                throw new ChannelProtocolException(b.remaining() + " bytes after the last field of type "
                        + lastType());
            }
        }

        private ChannelProtocolException shortFrame() {
            return new ChannelProtocolException("frame of type " + lastType() + " ends inside a field");
        }
    }
}
