package dev.airlock.broker;

import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ProtocolException;
import dev.airlock.qrexec.Session;
import dev.airlock.sys.DescriptorRefusedException;

import java.io.IOException;
import java.util.Optional;

/**
 * How a call ended, as the service's agent reports it on its CONNECT connection once the broker has stepped off the
 * data path: its one EXIT_CODE, or the connection's end without one, or something else, which ends the watch. The
 * report comes from the target domain, so it is a record, never a reason to trust anything.
 */
sealed interface CallEnd {
    /** The service exited with {@code code}. */
    record Exited(int code) implements CallEnd {
    }

    /** The connection ended (or failed) before an exit code came: the agent or its domain went away. */
    record Vanished() implements CallEnd {
    }

    /** The agent sent something other than one exit code. */
    record Garbled(String reason) implements CallEnd {
    }

    /**
     * Reads the report from {@code in}, a connection past HELLO and CONNECT whose {@code session} has
     * {@linkplain Session#joinedAs joined} the service's side; at most one message.
     */
    static CallEnd read(MessageReader in, Session s) {
        try {
            Optional<Message> m = in.read();
            if (m.isEmpty()) {
                return new Vanished();
            }
            s.accept(m.get());
            if (m.get() instanceof Message.ExitCode e) {
                return new Exited(e.code());
            }
            return new Garbled("the agent sent " + m.get().getClass().getSimpleName() + " instead of the exit code");
        } catch (ProtocolException | DescriptorRefusedException e) {
            return new Garbled(e.getMessage());
        } catch (IOException e) {
            return new Vanished();
        }
    }

    /** The detail of the audit record. */
    default String detail() {
        return switch (this) {
            case Exited e -> "the service exited with " + e.code();
            case Vanished v -> "the service's side ended without an exit code";
            case Garbled g -> "the service's agent broke the protocol: " + g.reason();
        };
    }
}
