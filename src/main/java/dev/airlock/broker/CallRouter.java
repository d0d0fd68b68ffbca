package dev.airlock.broker;

import dev.airlock.hostcopy.Recipient;
import dev.airlock.qrexec.Direction;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.Message.AgentReady;
import dev.airlock.qrexec.Message.CallAccepted;
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
import dev.airlock.sys.BlockingThreads;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The call path's wire side: what arrives on a domain's socket, the start of a service in the target with a token
 * that only the target may present, and the hand-over of the call's own connection ({@link HandOver}). Whether a
 * call runs, and where, is the {@link CallDecider}'s: this class only carries out its verdict. The source of a call
 * is the domain whose socket it came in on, never anything the connection says.
 */
final class CallRouter implements AgentListener.Server {
    /** How long the target's agent has to answer a service start with its CONNECT connection. */
    private static final long CONNECT_SECONDS = 30;
    /** How long the answer to a call refused for the rate of refusals is held back. */
    static final long THROTTLED_ANSWER_MILLIS = 250;
    /**
     * How long a new connection has for its HELLO and first message; an agent sends both at once, and a connection
     * that stays silent would hold a broker thread.
     */
    static final Duration FIRST_MESSAGE_DEADLINE = Duration.ofSeconds(10);
    /**
     * The same for a connection in the host's reserve: the agent sends its CONNECT at once, and a domain that
     * squats the reserve with silent connections is to hold it as briefly as possible.
     */
    static final Duration RESERVED_FIRST_MESSAGE_DEADLINE = Duration.ofSeconds(2);

    /** The agents' control channels ({@link DomainRunner} in the broker). */
    interface Agents {
        /** A newly connected agent of {@code name}: it replaces the old control channel, if any. */
        AgentLink agentReady(String name, UnixSocket ch) throws IOException;

        /** The control channel of {@code name} closed; the domain may reconnect. */
        void agentGone(String name, AgentLink link);

        /** The control channel of a running domain. */
        AgentLink link(String name) throws IOException;
    }

    /** The host as the target of a domain's copy ({@link HostIncoming} in the broker). */
    interface HostTarget {
        /** Whom the files are for now, or a refusal saying why the host takes none. */
        Recipient recipient() throws CallRefusal;

        /** Serves the call on {@code data}, the service's end of its connection; returns the exit code sent. */
        int serve(Recipient to, String source, ServiceCall call, UnixSocket data) throws IOException;
    }

    /** A host that serves no call. */
    private static final HostTarget NO_HOST = new HostTarget() {
        @Override
        public Recipient recipient() throws CallRefusal {
            throw new CallRefusal(Wire.EXIT_REFUSED, "the host serves no calls here");
        }

        @Override
        public int serve(Recipient to, String source, ServiceCall call, UnixSocket data) {
            return Wire.EXIT_REFUSED;
        }
    };

    /**
     * What the router works with. Bound after construction: the domains' sockets, which the router serves, are
     * made by the {@link DomainRunner} that it in turn starts calls in.
     */
    private record Parts(Agents agents, CallDecider decider, DisposablePool disposables, CallAudit audit,
                         HostTarget host) {
    }

    /**
     * A service's side of a call, waiting for its CONNECT connection, which only {@code domain} may open;
     * {@code host} when the host made the call.
     */
    private record Side(String domain, boolean host, CompletableFuture<Connected> arrival) {
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
    private final Duration firstMessageDeadline;
    private volatile Parts parts;

    CallRouter() {
        this(FIRST_MESSAGE_DEADLINE);
    }

    CallRouter(Duration firstMessageDeadline) {
        this.firstMessageDeadline = firstMessageDeadline;
    }

    /** Gives the router what it works with, with a host that serves no call; before any socket is served. */
    CallRouter attach(Agents agents, CallDecider decider, DisposablePool disposables, CallAudit audit) {
        return attach(agents, decider, disposables, audit, NO_HOST);
    }

    /** Gives the router what it works with; before any domain's socket is served. */
    CallRouter attach(Agents agents, CallDecider decider, DisposablePool disposables, CallAudit audit,
                      HostTarget host) {
        if (parts != null) {
            throw new IllegalStateException("the router is attached already");
        }
        parts = new Parts(agents, decider, disposables, audit, host);
        return this;
    }

    /** Writes the counts of the refusals still being folded; called once no call comes any more. */
    void closeAudit() {
        parts.audit().close();
    }

    /** Serves one connection that came in on {@code domain}'s socket, to its end. */
    @Override
    public void serve(String domain, UnixSocket ch) {
        boolean handedOn = false;
        try {
            MessageReader in = new MessageReader(ch);
            Session session = new Session(Direction.AGENT_TO_BROKER);
            Message first;
            try (ConnectionDeadline _ = ConnectionDeadline.start(ch, firstMessageDeadline)) {
                MessageEncoder.write(Hello.current(), ch);
                session.accept(in.require());
                try {
                    first = in.require();
                } catch (ProtocolException e) {
                    // Most often a name with characters the wire refuses: the caller is told, and the attempt audited.
                    parts.decider().refused(domain, null, e.getMessage());
                    MessageEncoder.write(new CallRefused(0, Wire.EXIT_REFUSED, reason("malformed request: "
                            + e.getMessage())), ch);
                    return;
                }
            }
            session.accept(first);
            switch (first) {
                case AgentReady r -> controlChannel(domain, ch, in, session);
                case Connect c -> handedOn = arrive(domain, c.token(),
                        new Connected(ch, in, session.joinedAs(Direction.SERVICE_TO_CALLER)));
                case CallRequest r -> call(domain, r, ch, in);
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

    @Override
    public boolean awaitsHostConnection(String domain) {
        return waiting.values().stream().anyMatch(s -> s.host() && s.domain().equals(domain));
    }

    /**
     * A connection over {@code domain}'s cap, in the host's reserve: served only when it is the CONNECT connection
     * of a call the host made into {@code domain}, else closed, and the token it named left for its agent.
     */
    @Override
    public void serveReserved(String domain, UnixSocket ch) {
        boolean handedOn = false;
        try {
            MessageReader in = new MessageReader(ch);
            Session session = new Session(Direction.AGENT_TO_BROKER);
            Message first;
            try (ConnectionDeadline _ = ConnectionDeadline.start(ch, RESERVED_FIRST_MESSAGE_DEADLINE)) {
                MessageEncoder.write(Hello.current(), ch);
                session.accept(in.require());
                first = in.require();
            }
            session.accept(first);
            if (first instanceof Connect c) {
                Side side = waiting.get(c.token());
                if (side != null && side.host() && side.domain().equals(domain)) {
                    handedOn = arrive(domain, c.token(),
                            new Connected(ch, in, session.joinedAs(Direction.SERVICE_TO_CALLER)));
                }
            }
        } catch (IOException e) {
            // Not the host's call: the connection ends here.
        } finally {
            if (!handedOn) {
                ch.close();
            }
        }
    }

    private void controlChannel(String domain, UnixSocket ch, MessageReader in, Session session)
            throws IOException {
        Agents agents = parts.agents();
        AgentLink link = agents.agentReady(domain, ch);
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
            agents.agentGone(domain, link);
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
            parts.decider().refused(domain, side.domain(), "data connection with a token given to " + side.domain());
            return false;
        }
        return side.arrival().complete(ch);
    }

    private void call(String source, CallRequest r, UnixSocket ch, MessageReader in) throws IOException {
        ServiceCall call = r.call();
        Parts p = parts;
        CallDecider.Verdict verdict = p.decider().decide(source, r.target(), call, () -> hangUp(ch));
        if (!(verdict instanceof CallDecider.Allowed target)) {
            CallDecider.Refused refused = (CallDecider.Refused) verdict;
            if (refused.throttled()) {
                slowDown();
            }
            MessageEncoder.write(new CallRefused(r.requestId(), refused.exitCode(), reason(refused.reason())), ch);
            return;
        }
        if (target.target().equals(QrexecNames.HOST)) {
            toHost(source, r, ch);
            return;
        }
        try {
            Started service;
            try {
                service = startService(source, target.target(), call);
            } catch (CallRefusal e) {
                MessageEncoder.write(new CallRefused(r.requestId(), e.exitCode(), reason(e.getMessage())), ch);
                return;
            } finally {
                if (target.disposable()) {
                    p.disposables().refill(target.template());
                }
            }
            try (UnixSocket connection = service.connection()) {
                new HandOver(this, p.audit(), p.disposables()).run(source, target, r, service, ch, in);
            } finally {
                released();
            }
        } finally {
            if (target.disposable()) {
                p.disposables().destroy(target.target());
            }
        }
    }

    /**
     * A call the policy let through to the host: the caller gets its end of a new socket pair as for a domain's
     * service, and the broker serves the other end itself. The caller's end is closed here at once, so that a
     * sender that dies is an end of input to the host's receiver.
     */
    private void toHost(String source, CallRequest r, UnixSocket ch) throws IOException {
        Parts p = parts;
        Recipient to;
        try {
            to = p.host().recipient();
        } catch (CallRefusal e) {
            p.audit().record(source, QrexecNames.HOST, r.call(), null, "failed", e.getMessage());
            MessageEncoder.write(new CallRefused(r.requestId(), e.exitCode(), reason(e.getMessage())), ch);
            return;
        }
        UnixSocket[] pair = HandOver.pair();
        synchronized (this) {
            running++;
        }
        try (UnixSocket serviceEnd = pair[1]) {
            try (UnixSocket callerEnd = pair[0]) {
                ch.sendWithDescriptor(HandOver.encode(new CallAccepted(r.requestId(), random.nextLong())), callerEnd);
            } catch (IOException e) {
                p.audit().record(source, QrexecNames.HOST, r.call(), null, "ended", "the call's connection could "
                        + "not be handed over: " + e.getMessage());
                return;
            }
            ch.close();
            int code = p.host().serve(to, source, r.call(), serviceEnd);
            p.audit().record(source, QrexecNames.HOST, r.call(), null, "ended", "the host's receiver exited with "
                    + code);
        } finally {
            released();
        }
    }

    /** Completes when the caller hangs up its request connection, or when that is closed here. */
    private static CompletableFuture<Void> hangUp(UnixSocket ch) {
        CompletableFuture<Void> gone = new CompletableFuture<>();
        BlockingThreads.start(() -> {
            try {
                ch.awaitHangUp();
                gone.complete(null);
            } catch (IOException e) {
                // Closed on this side: the call is over.
            }
        });
        return gone;
    }

    /**
     * Holds the answer to a call refused for the rate of refusals a moment, on the flooding domain's own connection
     * (of which it has {@link AgentListener#MAX_CONNECTIONS}): a domain that refuses to stop cannot make the broker
     * answer as fast as it asks.
     */
    private static void slowDown() {
        try {
            Thread.sleep(THROTTLED_ANSWER_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for the service's report of its end on its CONNECT connection and records it. */
    void awaitEnd(String source, String target, ServiceCall call, Connected service) {
        parts.audit().ended(source, target, call, CallEnd.read(service.in(), service.session()));
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

    /**
     * Asks {@code target}'s agent to start {@code call} for {@code source} and waits for the service's CONNECT
     * connection. The caller must {@linkplain #released release} a started call when it is over.
     */
    Started startService(String source, String target, ServiceCall call) throws CallRefusal {
        long token = random.nextLong();
        CompletableFuture<Connected> arrival = expect(token, target, source.equals(QrexecNames.HOST));
        try {
            parts.agents().link(target).send(new ServiceStart(token, source, call));
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

    /** Waits for the CONNECT connection with {@code token}, which only {@code domain} may open. */
    CompletableFuture<Connected> expect(long token, String domain, boolean host) {
        CompletableFuture<Connected> arrival = new CompletableFuture<>();
        waiting.put(token, new Side(domain, host, arrival));
        return arrival;
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
