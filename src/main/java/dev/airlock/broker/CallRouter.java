package dev.airlock.broker;

import dev.airlock.policy.Decision;
import dev.airlock.policy.DomainView;
import dev.airlock.policy.PolicyStore;
import dev.airlock.policy.Request;
import dev.airlock.qrexec.Direction;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.Message.AgentReady;
import dev.airlock.qrexec.Message.CallAccepted;
import dev.airlock.qrexec.Message.CallChannel;
import dev.airlock.qrexec.Message.CallRefused;
import dev.airlock.qrexec.Message.CallRequest;
import dev.airlock.qrexec.Message.Connect;
import dev.airlock.qrexec.Message.Hello;
import dev.airlock.qrexec.Message.ServiceRefused;
import dev.airlock.qrexec.Message.ServiceStart;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ProtocolException;
import dev.airlock.qrexec.QrexecNames;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.qrexec.Session;
import dev.airlock.qrexec.Wire;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The call path through the broker: what arrives on a domain's socket, a call's policy decision and audit, the start
 * of the service in the target, and the hand-over of the call's own connection: one socket pair, an end to each
 * side, after which the broker only waits for the service's report of its end. The source of a call is the domain
 * whose socket it came in on, never anything the connection says.
 */
final class CallRouter {
    /** The service by which the host runs a command in a domain; no domain may ask for it. */
    static final String RUN_SERVICE = "airlock.Run";
    /** The host's name as the source of the calls it makes ({@code airlock run}). */
    static final String HOST = QrexecNames.HOST;
    /** How long the target's agent has to answer a service start with its CONNECT connection. */
    private static final long CONNECT_SECONDS = 30;
    /**
     * Socket buffer of a call's connection each way. The kernel's default (about 208 KiB) makes the sender wait for
     * the receiver every few hundred KiB; 1 MiB lets a bulk copy run in larger bursts (docs/benchmarks.md).
     */
    static final int CALL_BUFFER_BYTES = 1024 * 1024;

    /** A service's side of a call, waiting for its CONNECT connection, which only {@code domain} may open. */
    private record Side(String domain, CompletableFuture<Connected> arrival) {
    }

    /**
     * The CONNECT connection of a service's agent, past CONNECT: what the broker reads there next (the service's
     * report of its end) is checked by {@code session}.
     */
    record Connected(UnixSocket connection, MessageReader in, Session session) {
    }

    /** A started service: the call's number and its agent's CONNECT connection. */
    record Started(long token, Connected service) {
        UnixSocket connection() {
            return service.connection();
        }
    }

    // One generator for the broker's life; created here, on a broker thread, never inside a Landlock domain.
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentMap<Long, Side> waiting = new ConcurrentHashMap<>();
    /** Started calls not yet {@linkplain #released released}; guarded by this. */
    private int running;
    private final DomainRunner domains;
    private final PolicyStore policy;
    private final DomainViews views;
    private final AuditLog audit;
    private final AskQueue asks;

    /** The domains as the policy sees them, the running ones marked. */
    interface DomainViews {
        DomainView view() throws IOException;
    }

    CallRouter(DomainRunner domains, PolicyStore policy, DomainViews views, AuditLog audit, AskQueue asks) {
        this.domains = domains;
        this.policy = policy;
        this.views = views;
        this.audit = audit;
        this.asks = asks;
    }

    /** Serves one connection that came in on {@code domain}'s socket, to its end. */
    void serve(String domain, UnixSocket ch) {
        boolean handedOn = false;
        try {
            MessageEncoder.write(Hello.current(), ch);
            MessageReader in = new MessageReader(ch);
            Session session = new Session(Direction.AGENT_TO_BROKER);
            session.accept(in.require());
            Message first;
            try {
                first = in.require();
            } catch (ProtocolException e) {
                // Most often a name with characters the wire refuses: the caller is told, and the attempt audited.
                record(domain, null, null, null, "refused", e.getMessage());
                MessageEncoder.write(new CallRefused(0, Wire.EXIT_REFUSED, reason("malformed request: "
                        + e.getMessage())), ch);
                return;
            }
            session.accept(first);
            switch (first) {
                case AgentReady r -> controlChannel(domain, ch, in, session);
                case Connect c -> handedOn = arrive(domain, c.token(),
                        new Connected(ch, in, session.joinedAs(Direction.SERVICE_TO_CALLER)));
                case CallRequest r -> call(domain, r, ch);
                default -> {
                    // Session refused every other first message already.
                }
            }
        } catch (IOException e) {
            // The peer went away or broke the protocol; its connection ends here.
        } finally {
            if (!handedOn) {
                ch.close();
            }
        }
    }

    private void controlChannel(String domain, UnixSocket ch, MessageReader in, Session session)
            throws IOException {
        AgentLink link = domains.agentReady(domain, ch);
        try {
            for (Optional<Message> m = in.read(); m.isPresent(); m = in.read()) {
                session.accept(m.get());
                if (m.get() instanceof ServiceRefused r) {
                    Side side = waiting.get(r.token());
                    if (side != null && side.domain().equals(domain) && waiting.remove(r.token(), side)) {
                        side.arrival().completeExceptionally(new CallRefusal(r.exitCode(), r.reason()));
                    }
                }
            }
        } finally {
            domains.agentGone(domain, link);
        }
    }

    /** A service's CONNECT connection: accepted only from the domain its token was given to, and only once. */
    private boolean arrive(String domain, long token, Connected ch) {
        Side side = waiting.remove(token);
        if (side == null) {
            return false;
        }
        if (!side.domain().equals(domain)) {
            // A token seen by another domain is spent: the call it belonged to fails rather than run half-known.
            side.arrival().completeExceptionally(new CallRefusal(Wire.EXIT_MACHINERY,
                    "the call's token was presented by another domain"));
            record(domain, side.domain(), null, null, "refused", "data connection with a token given to "
                    + side.domain());
            return false;
        }
        return side.arrival().complete(ch);
    }

    private void call(String source, CallRequest r, UnixSocket ch) throws IOException {
        ServiceCall call = r.call();
        Started service;
        String target;
        try {
            target = decide(source, r.target(), call);
            service = startService(source, target, call);
        } catch (CallRefusal e) {
            MessageEncoder.write(new CallRefused(r.requestId(), e.exitCode(), reason(e.getMessage())), ch);
            return;
        }
        try (UnixSocket connection = service.connection()) {
            handOver(source, target, r, service, ch);
        } finally {
            released();
        }
    }

    /** Hands each side its end of a new socket pair, then waits for the end of the call and records it. */
    private void handOver(String source, String target, CallRequest r, Started service, UnixSocket ch) {
        ServiceCall call = r.call();
        UnixSocket[] pair;
        try {
            pair = pair();
        } catch (IOException e) {
            record(source, target, call, null, "ended", "no socket pair for the call: " + e.getMessage());
            return;
        }
        try (UnixSocket callerEnd = pair[0]; UnixSocket serviceEnd = pair[1]) {
            service.connection().sendWithDescriptor(encode(new CallChannel()), serviceEnd);
            ch.sendWithDescriptor(encode(new CallAccepted(r.requestId(), service.token())), callerEnd);
        } catch (IOException e) {
            // One side went away before it had its end; the other sees the end of the call on its own.
            record(source, target, call, null, "ended", "the call's connection could not be handed over: "
                    + e.getMessage());
            return;
        }
        ch.close();
        awaitEnd(source, target, call, service.service());
    }

    /** One socket pair for a call, with the larger buffers of {@link #CALL_BUFFER_BYTES}. */
    static UnixSocket[] pair() throws IOException {
        UnixSocket[] pair = UnixSocket.pair();
        for (UnixSocket end : pair) {
            end.setBufferSizes(CALL_BUFFER_BYTES);
        }
        return pair;
    }

    static ByteBuffer encode(Message m) {
        return ByteBuffer.wrap(MessageEncoder.encode(m));
    }

    /** Waits for the service's report of its end on its CONNECT connection and records it. */
    void awaitEnd(String source, String target, ServiceCall call, Connected service) {
        CallEnd end = CallEnd.read(service.in(), service.session());
        record(source, target, call, null, "ended", end.detail());
    }

    /** A call whose service had started is over for the broker: its end is recorded, or it never began. */
    synchronized void released() {
        running--;
        notifyAll();
    }

    /** Waits at most {@code millis} until no call is running (each one's end recorded). */
    synchronized void awaitCallsEnded(long millis) {
        long deadline = System.currentTimeMillis() + millis;
        try {
            for (long left = millis; running > 0 && left > 0; left = deadline - System.currentTimeMillis()) {
                wait(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Policy's answer for the call, audited; the target the call goes to, which runs. */
    private String decide(String source, String requested, ServiceCall call) throws CallRefusal {
        if (call.service().equals(RUN_SERVICE)) {
            throw refuse(source, requested, call, null, Wire.EXIT_REFUSED, RUN_SERVICE + " is reserved to the host");
        }
        if (requested.equals(source)) {
            throw refuse(source, requested, call, null, Wire.EXIT_REFUSED, "a call from a domain to itself is refused");
        }
        Decision d;
        try {
            d = policy.evaluate(new Request(source, requested, call.service(), call.argument()), views.view());
        } catch (IOException | RuntimeException e) {
            throw refuse(source, requested, call, null, Wire.EXIT_MACHINERY, "cannot decide the call: "
                    + e.getMessage());
        }
        String rule = d.rule() == null ? null : d.rule().location();
        if (d instanceof Decision.Ask ask) {
            record(source, requested, call, rule, "ask", "waiting for the user: airlock pending, approve, deny");
            try {
                d = asks.await(source, call, ask);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw refuse(source, requested, call, rule, Wire.EXIT_MACHINERY, "the broker is stopping");
            }
        }
        if (!(d instanceof Decision.Allow allow)) {
            throw refuse(source, requested, call, rule, Wire.EXIT_REFUSED, "refused by policy: " + d.reason());
        }
        String target = allow.target();
        if (!QrexecNames.isDomainName(target) || target.equals(HOST)) {
            throw refuse(source, target, call, rule, Wire.EXIT_MACHINERY, "calls to " + target
                    + " are not supported yet");
        }
        String started = startIfHalted(source, target, call, allow);
        record(source, target, call, rule, "allow", allow.reason() + started);
        return target;
    }

    /**
     * Starts a halted target when the deciding rule lets it ({@code autostart=yes}, the default), as
     * {@code airlock start} does; what the audit adds to the reason.
     */
    private String startIfHalted(String source, String target, ServiceCall call, Decision.Allow allow)
            throws CallRefusal {
        if (domains.isReady(target)) {
            return "";
        }
        String rule = allow.rule() == null ? null : allow.rule().location();
        if (!allow.autostart()) {
            throw refuse(source, target, call, rule, Wire.EXIT_MACHINERY, "target " + target + " is not running and "
                    + (rule == null ? "the policy" : rule) + " says autostart=no (start it with: airlock start "
                    + target + ")");
        }
        try {
            domains.start(target);
        } catch (IOException e) {
            throw refuse(source, target, call, rule, Wire.EXIT_MACHINERY, "cannot start target " + target + ": "
                    + e.getMessage());
        }
        return "; " + target + " started for the call (autostart)";
    }

    /**
     * Asks {@code target}'s agent to start {@code call} for {@code source} and waits for the service's CONNECT
     * connection. The caller must {@linkplain #released release} a started call when it is over.
     */
    Started startService(String source, String target, ServiceCall call) throws CallRefusal {
        long token = random.nextLong();
        CompletableFuture<Connected> arrival = new CompletableFuture<>();
        waiting.put(token, new Side(target, arrival));
        try {
            domains.link(target).send(new ServiceStart(token, source, call));
        } catch (IOException e) {
            waiting.remove(token);
            throw new CallRefusal(Wire.EXIT_MACHINERY, "cannot reach the agent of " + target + ": " + e.getMessage());
        }
        Started started = new Started(token, awaitSide(token, arrival));
        synchronized (this) {
            running++;
        }
        return started;
    }

    private Connected awaitSide(long token, CompletableFuture<Connected> arrival) throws CallRefusal {
        try {
            return arrival.get(CONNECT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CallRefusal r) {
                throw r;
            }
            throw new CallRefusal(Wire.EXIT_MACHINERY, String.valueOf(e.getCause()));
        } catch (TimeoutException e) {
            throw new CallRefusal(Wire.EXIT_MACHINERY, "the target's agent did not connect within " + CONNECT_SECONDS
                    + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallRefusal(Wire.EXIT_MACHINERY, "the broker is stopping");
        } finally {
            if (waiting.remove(token) != null) {
                // Nobody came: a late connection with this token finds nothing.
                arrival.cancel(false);
            }
        }
    }

    private CallRefusal refuse(String source, String target, ServiceCall call, String rule, int code,
                               String reason) {
        record(source, target, call, rule, code == Wire.EXIT_REFUSED ? "deny" : "failed", reason);
        return new CallRefusal(code, reason);
    }

    private void record(String source, String target, ServiceCall call, String rule, String outcome,
                        String detail) {
        try {
            audit.append(new AuditLog.Entry(Instant.now(), source, target, call == null ? null : call.service(),
                    call == null ? null : call.argument(), rule, outcome, detail));
        } catch (IOException e) {
            System.err.println("airlock: cannot write the audit log: " + e.getMessage());
        }
    }

    /** A reason as the wire takes it: printable ASCII, at most 255 bytes. */
    static String reason(String text) {
        StringBuilder b = new StringBuilder();
        String s = text == null ? "" : text;
        for (int i = 0; i < s.length() && b.length() < Wire.MAX_REASON_BYTES; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }
}
