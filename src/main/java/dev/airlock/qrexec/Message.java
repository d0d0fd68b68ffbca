package dev.airlock.qrexec;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One qrexec message: the framing's data, exit-code and hello messages, and airlock's own call-control messages
 * between agents and the broker. The layouts on the wire are in {@code package-info.java}. Every record checks its
 * fields when made, so a message that exists is a message that may be sent.
 */
public sealed interface Message {

    /**
     * A chunk of one stream; an empty chunk is that stream's EOF.
     *
     * @param bytes at most {@link Wire#MAX_LENGTH} bytes, copied in and out
     */
    record Data(DataStream stream, byte[] bytes) implements Message {
        public Data {
            if (bytes.length > Wire.MAX_LENGTH) {
                throw new IllegalArgumentException("data chunk of " + bytes.length + " bytes (at most "
                        + Wire.MAX_LENGTH + ")");
            }
            bytes = bytes.clone();
        }

        /** The EOF of {@code stream}. */
        public static Data eof(DataStream stream) {
            return new Data(stream, new byte[0]);
        }

        public boolean isEof() {
            return bytes.length == 0;
        }

        public int length() {
            return bytes.length;
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        /** The bytes without a copy, read-only, for handing on to a channel. */
        public ByteBuffer view() {
            return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Data d && d.stream == stream && Arrays.equals(d.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return 31 * stream.hashCode() + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            int shown = Math.min(bytes.length, 16);
            return "Data[" + stream + ", " + bytes.length + " bytes"
                    + (shown == 0 ? " (EOF)" : ": " + HexFormat.of().formatHex(bytes, 0, shown)
                    + (shown < bytes.length ? "..." : "")) + "]";
        }
    }

    /** The service's exit status. */
    record ExitCode(int code) implements Message {
    }

    /**
     * The first message each side sends on every connection.
     *
     * @param version a u32 on the wire, held in the bits of an int
     */
    record Hello(int version) implements Message {
        /** The qrexec protocol version whose framing this is (Qubes 4.x). */
        public static final int VERSION = 3;

        /** This implementation's hello. */
        public static Hello current() {
            return new Hello(VERSION);
        }
    }

    /**
     * Agent to broker: a process in the agent's domain asks for a call. The source is not named: the broker knows
     * it from the channel the request came in on.
     *
     * @param requestId chosen by the agent so that it can match the answer; u32 on the wire
     * @param target    a domain name, {@code @default}, {@code @adminvm}, {@code @dispvm} or {@code @dispvm:NAME}
     */
    record CallRequest(int requestId, String target, ServiceCall call) implements Message {
        public CallRequest {
            QrexecNames.requireTarget(target);
            if (call == null) {
                throw new IllegalArgumentException("no service call");
            }
        }
    }

    /**
     * Broker to the calling agent: policy allowed the call and the service has started. The caller's end of the
     * call's own connection comes attached to this message ({@code SCM_RIGHTS}); the caller writes the call's stdin
     * there as raw bytes, ends it with a half-close, and reads the service's stdout, stderr and exit code as
     * frames.
     *
     * @param token the call's number, as the broker's records name it
     */
    record CallAccepted(int requestId, long token) implements Message {
    }

    /**
     * Broker to the calling agent: the call will not run.
     *
     * @param exitCode 126 refused by policy, 127 no such service, 125 failure of the call machinery
     * @param reason   printable ASCII, at most 255 bytes, shown to the caller
     */
    record CallRefused(int requestId, int exitCode, String reason) implements Message {
        public CallRefused {
            if (exitCode != Wire.EXIT_MACHINERY && exitCode != Wire.EXIT_REFUSED && exitCode != Wire.EXIT_NO_SERVICE) {
                throw new IllegalArgumentException("refusal exit code " + exitCode + " (expected 125, 126 or 127)");
            }
            Wire.requireReason(reason);
        }
    }

    /**
     * Broker to the target's agent: start a service for a caller. The agent answers with a connection that sends
     * {@link Hello} and {@link Connect} with {@code token}, on which the broker hands it the service's end of the
     * call ({@link CallChannel}), or with {@link ServiceRefused}.
     *
     * @param token  the service's side of this call (not the caller's token)
     * @param source the calling domain, as the broker knows it (trusted: it becomes {@code QREXEC_REMOTE_DOMAIN})
     */
    record ServiceStart(long token, String source, ServiceCall call) implements Message {
        public ServiceStart {
            QrexecNames.requireDomainName(source);
            if (call == null) {
                throw new IllegalArgumentException("no service call");
            }
        }
    }

    /**
     * Target's agent to broker: the service could not be started; the broker refuses the call with the same code.
     *
     * @param exitCode 127 no such service, 125 it could not be started
     * @param reason   printable ASCII, at most 255 bytes
     */
    record ServiceRefused(long token, int exitCode, String reason) implements Message {
        public ServiceRefused {
            if (exitCode != Wire.EXIT_MACHINERY && exitCode != Wire.EXIT_NO_SERVICE) {
                throw new IllegalArgumentException("service refusal exit code " + exitCode + " (expected 125 or 127)");
            }
            Wire.requireReason(reason);
        }
    }

    /**
     * Agent to broker, right after {@link Hello} on a new connection: this connection belongs to the service that
     * {@code token} names. The broker checks that the token was given to this domain, answers with
     * {@link CallChannel}, and then waits there for the service's {@link ExitCode}: the end of the call.
     */
    record Connect(long token) implements Message {
    }

    /**
     * Broker to agent, on a {@link Connect} connection: the service's end of the call's own connection comes
     * attached to this message ({@code SCM_RIGHTS}). The service reads the caller's stdin there as raw bytes up to
     * the caller's half-close, and writes its stdout, stderr and exit code as frames.
     */
    record CallChannel() implements Message {
    }

    /**
     * Agent to broker, right after {@link Hello} on a new connection: this connection is the domain's long-lived
     * control channel, on which the broker sends {@link ServiceStart}. A newer control channel of the same domain
     * replaces the older one, so an agent reconnects simply by connecting again.
     */
    record AgentReady() implements Message {
    }
}
