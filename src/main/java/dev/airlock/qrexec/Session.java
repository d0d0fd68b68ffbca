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
import java.util.EnumSet;
import java.util.Set;

/**
 * The order rules of one direction of one connection: HELLO first, with a version we speak; no data on a stream
 * after its EOF; EXIT_CODE at most once and last; each message only in the direction it belongs to. A receiver
 * passes every decoded message to {@link #accept} before acting on it; a sender may do the same with what it sends,
 * to catch its own mistakes. The first refusal is final.
 *
 * <p>A new connection to the broker is {@link Direction#AGENT_TO_BROKER}, and its first message after HELLO
 * decides its role: {@link AgentReady} makes it an agent's control channel, on which only {@link ServiceRefused}
 * may follow; a {@link CallRequest} is a one-shot call after which nothing may follow; a {@link Connect} makes it a
 * service's connection for one call, on which the broker reads the service's report of its end with
 * {@link #joinedAs}.
 */
public final class Session {

    /** What the receiver does with a message that {@link #accept} let through. */
    public enum Verdict {
        /** Act on it. */
        DELIVER,
        /** Drop it: it is allowed on the wire but means nothing here (STDERR or EXIT_CODE from the caller). */
        IGNORE
    }

    private enum State { AWAIT_HELLO, OPEN, AGENT, CALLING, CONNECTED, EXITED }

    private final Direction direction;
    private final Set<DataStream> ended = EnumSet.noneOf(DataStream.class);
    private State state;
    private int version;
    private ProtocolException failure;

    public Session(Direction direction) {
        this(direction, State.AWAIT_HELLO, 0);
    }

    private Session(Direction direction, State state, int version) {
        this.direction = direction;
        this.state = state;
        this.version = version;
    }

    public Direction direction() {
        return direction;
    }

    /** The version both sides speak: ours, when the peer's is the same or newer. 0 before HELLO. */
    public int version() {
        return version;
    }

    /** True once the EOF of {@code stream} went through. */
    public boolean ended(DataStream stream) {
        return ended.contains(stream);
    }

    /** True once the service's EXIT_CODE went through; nothing more may follow on this direction. */
    public boolean exited() {
        return state == State.EXITED;
    }

    /**
     * Checks {@code m} against what came before and records it.
     *
     * @throws ProtocolException when {@code m} may not come here or now; this and every later call
     */
    public Verdict accept(Message m) throws ProtocolException {
        if (failure != null) {
            throw failure;
        }
        try {
            return check(m);
        } catch (ProtocolException e) {
            failure = e;
            throw e;
        }
    }

    /**
     * The data session of a connection that opened with {@link Connect}: the broker, having looked up the token,
     * knows which side of the call it carries. HELLO is already done.
     *
     * @throws IllegalStateException unless this session has just accepted a {@code Connect}
     */
    public Session joinedAs(Direction side) {
        if (state != State.CONNECTED || failure != null) {
            throw new IllegalStateException("no Connect accepted on this session");
        }
        if (side != Direction.CALLER_TO_SERVICE && side != Direction.SERVICE_TO_CALLER) {
            throw new IllegalArgumentException("a data connection carries a side of a call, not " + side);
        }
        return new Session(side, State.OPEN, version);
    }

    private Verdict check(Message m) throws ProtocolException {
        if (!allowedInDirection(m)) {
            throw new ProtocolException(Reason.WRONG_DIRECTION, name(m) + " never flows " + direction);
        }
        if (state == State.AWAIT_HELLO) {
            if (!(m instanceof Hello h)) {
                throw outOfOrder(name(m) + " before HELLO");
            }
            // As in Qubes, a newer peer speaks our version; an older one would misread our messages.
            if (Integer.compareUnsigned(h.version(), Hello.VERSION) < 0) {
                throw new ProtocolException(Reason.UNSUPPORTED_VERSION, "peer speaks protocol version "
                        + Integer.toUnsignedString(h.version()) + "; " + Hello.VERSION + " or newer is needed");
            }
            version = Hello.VERSION;
            state = State.OPEN;
            return Verdict.DELIVER;
        }
        if (state == State.EXITED) {
            throw outOfOrder(name(m) + " after EXIT_CODE");
        }
        if (state == State.CONNECTED) {
            throw outOfOrder(name(m) + " after CONNECT on the same session");
        }
        if (state == State.CALLING) {
            throw outOfOrder(name(m) + " after the CALL_REQUEST of a one-shot call");
        }
        if (m instanceof Hello) {
            throw outOfOrder("a second HELLO");
        }
        if (direction == Direction.CALLER_TO_SERVICE
                && (m instanceof ExitCode || m instanceof Data d && d.stream() == DataStream.STDERR)) {
            return Verdict.IGNORE;
        }
        switch (m) {
            case Data d -> {
                if (ended.contains(d.stream())) {
                    throw new ProtocolException(Reason.DATA_AFTER_EOF, d.length() + " bytes on " + d.stream()
                            + " after its EOF");
                }
                if (d.isEof()) {
                    ended.add(d.stream());
                }
            }
            case ExitCode e -> state = State.EXITED;
            case Connect c -> state = firstOnly(State.CONNECTED, "CONNECT");
            case AgentReady a -> state = firstOnly(State.AGENT, "AGENT_READY");
            case CallRequest r -> state = firstOnly(State.CALLING, "CALL_REQUEST");
            case ServiceRefused r -> {
                if (state != State.AGENT) {
                    throw outOfOrder("SERVICE_REFUSED outside an agent's control channel");
                }
            }
            default -> {
                // Broker to agent: any number of answers and service starts.
            }
        }
        return Verdict.DELIVER;
    }

    /** The messages that decide a connection's role come first or not at all. */
    private State firstOnly(State next, String what) throws ProtocolException {
        if (state != State.OPEN) {
            throw outOfOrder(what + " on a connection whose role is already decided");
        }
        return next;
    }

    private boolean allowedInDirection(Message m) {
        return switch (direction) {
            case CALLER_TO_SERVICE -> m instanceof Hello || m instanceof ExitCode
                    || m instanceof Data d && d.stream() != DataStream.STDOUT;
            case SERVICE_TO_CALLER -> m instanceof Hello || m instanceof ExitCode
                    || m instanceof Data d && d.stream() != DataStream.STDIN;
            case AGENT_TO_BROKER -> m instanceof Hello || m instanceof CallRequest || m instanceof ServiceRefused
                    || m instanceof Connect || m instanceof AgentReady;
            case BROKER_TO_AGENT -> m instanceof Hello || m instanceof CallAccepted || m instanceof CallRefused
                    || m instanceof ServiceStart || m instanceof CallChannel;
        };
    }

    private static ProtocolException outOfOrder(String what) {
        return new ProtocolException(Reason.OUT_OF_ORDER, what);
    }

    private static String name(Message m) {
        return m instanceof Data d ? "DATA_" + d.stream() : m.getClass().getSimpleName();
    }
}
