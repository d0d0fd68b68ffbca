package dev.airlock.qrexec;

import dev.airlock.qrexec.Message.AgentReady;
import dev.airlock.qrexec.Message.CallAccepted;
import dev.airlock.qrexec.Message.CallChannel;
import dev.airlock.qrexec.Message.CallRefused;
import dev.airlock.qrexec.Message.CallRequest;
import dev.airlock.qrexec.Message.Connect;
import dev.airlock.qrexec.Message.Data;
import dev.airlock.qrexec.Message.ExitCode;
import dev.airlock.qrexec.Message.Hello;
import dev.airlock.qrexec.Message.ServiceRefused;
import dev.airlock.qrexec.Message.ServiceStart;
import dev.airlock.qrexec.ProtocolException.Reason;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns the bytes of one connection into messages, fed in chunks of any size split anywhere. Type and length are
 * checked as soon as the 8-byte header is complete, before any payload is buffered, so one connection never holds
 * more than {@link #MAX_BUFFERED} bytes. The first error is final: every later call throws it again.
 *
 * <p>The decoder checks that each message is well formed; whether it may come now, in this direction, is for a
 * {@link Session}.
 */
public final class MessageDecoder {
    /** Most bytes the decoder ever holds: one header and one largest payload. */
    public static final int MAX_BUFFERED = Wire.HEADER_SIZE + Wire.MAX_LENGTH;

    private final ByteBuffer header = ByteBuffer.allocate(Wire.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private int type;
    /** The payload being filled; null while the header is. */
    private ByteBuffer payload;
    private ProtocolException failure;

    /**
     * Consumes bytes of {@code in} up to the end of the next message and returns it, or consumes all of {@code in}
     * and returns empty when no message completed; the partial message is kept for the next call.
     */
    public Optional<Message> next(ByteBuffer in) throws ProtocolException {
        if (failure != null) {
            throw failure;
        }
        try {
            return Optional.ofNullable(step(in));
        } catch (ProtocolException e) {
            failure = e;
            throw e;
        }
    }

    /** Every message that {@code in} completes, in order; consumes all of {@code in}. */
    public List<Message> decode(ByteBuffer in) throws ProtocolException {
        List<Message> out = new ArrayList<>();
        for (Optional<Message> m = next(in); m.isPresent(); m = next(in)) {
            out.add(m.get());
        }
        return out;
    }

    public List<Message> decode(byte[] chunk) throws ProtocolException {
        return decode(ByteBuffer.wrap(chunk));
    }

    /** True between messages: input may end here without losing anything. */
    public boolean atBoundary() {
        return failure == null && payload == null && header.position() == 0;
    }

    /** Call at the end of the input: a message cut short is an error, not a message. */
    public void endOfInput() throws ProtocolException {
        if (failure != null) {
            throw failure;
        }
        if (!atBoundary()) {
            failure = new ProtocolException(Reason.TRUNCATED, "input ended inside a message ("
                    + (payload == null ? header.position() + " of " + Wire.HEADER_SIZE + " header bytes"
                    : payload.position() + " of " + payload.capacity() + " payload bytes of type 0x"
                    + Integer.toHexString(type)) + ")");
            throw failure;
        }
    }

    /** Bytes held for the message in progress, header and payload capacity together. */
    int buffered() {
        return Wire.HEADER_SIZE + (payload == null ? 0 : payload.capacity());
    }

    private Message step(ByteBuffer in) throws ProtocolException {
        if (payload == null) {
            copy(in, header);
            if (header.hasRemaining()) {
                return null;
            }
            startPayload(header.getInt(0), header.getInt(4));
        }
        copy(in, payload);
        if (payload.hasRemaining()) {
            return null;
        }
        ByteBuffer full = payload.flip();
        header.clear();
        payload = null;
        return parse(type, full);
    }

    private void startPayload(int type, int len) throws ProtocolException {
        int length = payloadLength(type, len);
        this.type = type;
        this.payload = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The payload length a header of {@code type} announcing {@code len} bytes may have, or the refusal: an unknown
     * type, or a length beyond the framing's or the type's bounds. Judged before any payload is buffered.
     */
    static int payloadLength(int type, int len) throws ProtocolException {
        long length = Integer.toUnsignedLong(len);
        int max = Wire.maxPayload(type);
        if (max < 0) {
            throw new ProtocolException(Reason.UNKNOWN_TYPE, "unknown message type 0x" + Integer.toHexString(type));
        }
        if (length > Wire.MAX_LENGTH) {
            throw new ProtocolException(Reason.OVERSIZED_LENGTH, "message of type 0x" + Integer.toHexString(type)
                    + " claims " + length + " bytes (at most " + Wire.MAX_LENGTH + ")");
        }
        if (length < Wire.minPayload(type) || length > max) {
            throw badSize(type, "a payload of " + length + " bytes");
        }
        return (int) length;
    }

    private static void copy(ByteBuffer from, ByteBuffer to) {
        int n = Math.min(from.remaining(), to.remaining());
        to.put(to.position(), from, from.position(), n);
        to.position(to.position() + n);
        from.position(from.position() + n);
    }

    private static Message parse(int type, ByteBuffer p) throws ProtocolException {
        return switch (type) {
            case Wire.DATA_STDIN -> new Data(DataStream.STDIN, p.array());
            case Wire.DATA_STDOUT -> new Data(DataStream.STDOUT, p.array());
            case Wire.DATA_STDERR -> new Data(DataStream.STDERR, p.array());
            default -> parseFields(type, p);
        };
    }

    /** A message made of fields, which must fill its payload exactly. */
    private static Message parseFields(int type, ByteBuffer p) throws ProtocolException {
        try {
            Message m = switch (type) {
                case Wire.DATA_EXIT_CODE -> new ExitCode(p.getInt());
                case Wire.HELLO -> new Hello(p.getInt());
                case Wire.CALL_REQUEST -> new CallRequest(p.getInt(),
                        string(p, QrexecNames.MAX_TARGET_CHARS, "target"), serviceCall(p));
                case Wire.CALL_ACCEPTED -> new CallAccepted(p.getInt(), p.getLong());
                case Wire.CALL_REFUSED -> new CallRefused(p.getInt(), p.getInt(),
                        string(p, Wire.MAX_REASON_BYTES, "reason"));
                case Wire.SERVICE_START -> new ServiceStart(p.getLong(),
                        string(p, QrexecNames.MAX_DOMAIN_CHARS, "source domain"), serviceCall(p));
                case Wire.SERVICE_REFUSED -> new ServiceRefused(p.getLong(), p.getInt(),
                        string(p, Wire.MAX_REASON_BYTES, "reason"));
                case Wire.CONNECT -> new Connect(p.getLong());
                case Wire.CALL_CHANNEL -> new CallChannel();
                case Wire.AGENT_READY -> new AgentReady();
                default -> throw new IllegalStateException("type 0x" + Integer.toHexString(type)
                        + " passed the header check");
            };
            if (p.hasRemaining()) {
                throw badSize(type, p.remaining() + " bytes after its last field");
            }
            return m;
        } catch (BufferUnderflowException e) {
            throw badSize(type, "fields that run past its " + p.limit() + "-byte payload");
        } catch (IllegalArgumentException e) {
            // The records check names, exit codes and reason texts; their refusal is the peer's error here.
            throw new ProtocolException(Reason.INVALID_FIELD, "message of type 0x" + Integer.toHexString(type)
                    + ": " + e.getMessage());
        }
    }

    private static ServiceCall serviceCall(ByteBuffer p) throws ProtocolException {
        String service = string(p, QrexecNames.MAX_SERVICE_BYTES, "service name");
        return new ServiceCall(service, string(p, QrexecNames.MAX_ARGUMENT_BYTES, "argument"));
    }

    /**
     * A u16-length string. Every valid string is ASCII, so a byte over 0x7f is refused here rather than decoded
     * into something a later check might read differently.
     */
    private static String string(ByteBuffer p, int maxBytes, String field) throws ProtocolException {
        int len = Short.toUnsignedInt(p.getShort());
        if (len > maxBytes) {
            throw new ProtocolException(Reason.INVALID_FIELD, field + " of " + len + " bytes (at most " + maxBytes
                    + ")");
        }
        byte[] b = new byte[len];
        p.get(b);
        for (byte x : b) {
            if (x < 0) {
                throw new ProtocolException(Reason.INVALID_FIELD, field + " is not ASCII");
            }
        }
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static ProtocolException badSize(int type, String what) {
        return new ProtocolException(Reason.BAD_PAYLOAD_SIZE, "message of type 0x" + Integer.toHexString(type)
                + " has " + what);
    }
}
