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
import java.io.IOException;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * Writes messages in the qrexec framing. Every {@link Message} is valid by construction, so encoding cannot fail
 * except for lack of room or a failing channel.
 */
public final class MessageEncoder {

    private MessageEncoder() {
    }

    /** Header and payload size of {@code m} on the wire. */
    public static int encodedSize(Message m) {
        return Wire.HEADER_SIZE + payloadSize(m);
    }

    /**
     * Writes {@code m} at the position of {@code out} and advances it.
     *
     * @throws BufferOverflowException when {@code out} has less room than {@link #encodedSize}; nothing is written
     */
    public static void encode(Message m, ByteBuffer out) {
        if (out.remaining() < encodedSize(m)) {
            throw new BufferOverflowException();
        }
        ByteOrder order = out.order();
        out.order(ByteOrder.LITTLE_ENDIAN);
        try {
            out.putInt(type(m)).putInt(payloadSize(m));
            putPayload(m, out);
        } finally {
            out.order(order);
        }
    }

    public static byte[] encode(Message m) {
        ByteBuffer b = ByteBuffer.allocate(encodedSize(m));
        encode(m, b);
        return b.array();
    }

    /**
     * Writes {@code m} whole to a blocking channel. A data chunk goes out from the message's own bytes, gathered
     * with the header where the channel can, rather than copied into a new buffer first.
     */
    public static void write(Message m, WritableByteChannel out) throws IOException {
        ByteBuffer header;
        ByteBuffer payload;
        if (m instanceof Data d) {
            header = ByteBuffer.allocate(Wire.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(d.stream().type).putInt(d.length()).flip();
            payload = d.view();
        } else {
            header = ByteBuffer.wrap(encode(m));
            payload = ByteBuffer.allocate(0);
        }
        if (out instanceof GatheringByteChannel g) {
            ByteBuffer[] both = {header, payload};
            while (payload.hasRemaining() || header.hasRemaining()) {
                g.write(both);
            }
        } else {
            writeFully(header, out);
            writeFully(payload, out);
        }
    }

    private static void writeFully(ByteBuffer b, WritableByteChannel out) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    static int type(Message m) {
        return switch (m) {
            case Data d -> d.stream().type;
            case ExitCode e -> Wire.DATA_EXIT_CODE;
            case Hello h -> Wire.HELLO;
            case CallRequest r -> Wire.CALL_REQUEST;
            case CallAccepted a -> Wire.CALL_ACCEPTED;
            case CallRefused r -> Wire.CALL_REFUSED;
            case ServiceStart s -> Wire.SERVICE_START;
            case ServiceRefused r -> Wire.SERVICE_REFUSED;
            case Connect c -> Wire.CONNECT;
            case CallChannel c -> Wire.CALL_CHANNEL;
            case AgentReady a -> Wire.AGENT_READY;
        };
    }

    private static int payloadSize(Message m) {
        return switch (m) {
            case Data d -> d.length();
            case ExitCode e -> 4;
            case Hello h -> 4;
            case CallRequest r -> 4 + string(r.target()) + serviceCall(r.call());
            case CallAccepted a -> 4 + 8;
            case CallRefused r -> 4 + 4 + string(r.reason());
            case ServiceStart s -> 8 + string(s.source()) + serviceCall(s.call());
            case ServiceRefused r -> 8 + 4 + string(r.reason());
            case Connect c -> 8;
            case CallChannel c -> 0;
            case AgentReady a -> 0;
        };
    }

    /** Every string a valid message holds is ASCII, so its length is its UTF-8 size. */
    private static int string(String s) {
        return 2 + s.length();
    }

    private static int serviceCall(ServiceCall c) {
        return string(c.service()) + string(c.argument());
    }

    private static void putPayload(Message m, ByteBuffer out) {
        switch (m) {
            case Data d -> out.put(d.view());
            case ExitCode e -> out.putInt(e.code());
            case Hello h -> out.putInt(h.version());
            case CallRequest r -> {
                out.putInt(r.requestId());
                putString(out, r.target());
                putServiceCall(out, r.call());
            }
            case CallAccepted a -> out.putInt(a.requestId()).putLong(a.token());
            case CallRefused r -> {
                out.putInt(r.requestId()).putInt(r.exitCode());
                putString(out, r.reason());
            }
            case ServiceStart s -> {
                out.putLong(s.token());
                putString(out, s.source());
                putServiceCall(out, s.call());
            }
            case ServiceRefused r -> {
                out.putLong(r.token()).putInt(r.exitCode());
                putString(out, r.reason());
            }
            case Connect c -> out.putLong(c.token());
            case CallChannel c -> {
            }
            case AgentReady a -> {
            }
        }
    }

    private static void putServiceCall(ByteBuffer out, ServiceCall c) {
        putString(out, c.service());
        putString(out, c.argument());
    }

    private static void putString(ByteBuffer out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.putShort((short) b.length).put(b);
    }
}
