package dev.airlock.broker;

import dev.airlock.policy.Decision;
import dev.airlock.policy.DomainView;
import dev.airlock.policy.PolicyStore;
import dev.airlock.policy.Request;
import dev.airlock.qrexec.DataStream;
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
import dev.airlock.sys.BlockingThreads;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
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
final class CallRouter implements AgentListener.Server {
    /** The service by which the host runs a command in a domain; no domain may ask for it. */
    static final String RUN_SERVICE = "airlock.Run";
    /** The host's name as the source of the calls it makes ({@code airlock run}). */
    static final String HOST = QrexecNames.HOST;
    /** How the policy names a new disposable of a template as a call's target. */
    static final String DISPVM_PREFIX = "@dispvm:";
    /** How long the target's agent has to answer a service start with its CONNECT connection. */
    private static final long CONNECT_SECONDS = 30;
    /** How long the end of a disposable call's request connection waits for the service's report of the end. */
    private static final long CALLER_GONE_GRACE_MILLIS = 1000;
    /**
     * Socket buffer of a call's connection each way. The kernel's default (about 208 KiB) makes the sender wait for
     * the receiver every few hundred KiB; 1 MiB lets a bulk copy run in larger bursts (docs/benchmarks.md).
     */
    static final int CALL_BUFFER_BYTES = 1024 * 1024;
    /** How long the answer to a call refused for the rate of refusals is held back. */
    static final long THROTTLED_ANSWER_MILLIS = 250;
    /** The outcomes of calls that did not happen: a domain can repeat them as fast as it likes, so they fold. */
    private static final Set<String> REFUSALS = Set.of("deny", "refused", "failed");

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

    /** Where an allowed call goes: a running domain, or a disposable made of {@code template} for the call. */
    private record Target(String name, String template) {
        boolean disposable() {
            return template != null;
        }
    }

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

    // One generator for the broker's life; created here, on a broker thread, never inside a Landlock domain.
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentMap<Long, Side> waiting = new ConcurrentHashMap<>();
    /** Started calls not yet {@linkplain #released released}; guarded by this. */
    private int running;
    private final Duration firstMessageDeadline;
    private final DomainRunner domains;
    private final Disposables disposables;
    private final PolicyStore policy;
    private final DomainViews views;
    private final AuditLog audit;
    /** Refusals, folded when they repeat; every other record goes straight to {@link #audit}. */
    private final AuditFold refusals;
    private final RefusalLimiter limiter = new RefusalLimiter();
    private final AskQueue asks;

    /** The domains as the policy sees them, the running ones marked. */
    interface DomainViews {
        DomainView view() throws IOException;

        /** The uuid of the domain the registry holds under {@code name} now, if any. */
        Optional<UUID> uuid(String name) throws IOException;

        /**
         * Whether the sandbox whose socket is {@code name}'s was started for the domain the registry holds under
         * that name now: false for one that a removed domain of that name left running.
         */
        boolean isCurrent(String name) throws IOException;
    }

    CallRouter(DomainRunner domains, Disposables disposables, PolicyStore policy, DomainViews views, AuditLog audit,
               AskQueue asks) {
        this(domains, disposables, policy, views, audit, asks, FIRST_MESSAGE_DEADLINE);
    }

    CallRouter(DomainRunner domains, Disposables disposables, PolicyStore policy, DomainViews views, AuditLog audit,
               AskQueue asks, Duration firstMessageDeadline) {
        this.firstMessageDeadline = firstMessageDeadline;
        this.domains = domains;
        this.disposables = disposables;
        this.policy = policy;
        this.views = views;
        this.audit = audit;
        this.refusals = new AuditFold(audit);
        this.asks = asks;
    }

    /** Writes the counts of the refusals still being folded; called once no call comes any more. */
    void closeAudit() {
        refusals.close();
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
                    limiter.refused(domain);
                    record(domain, null, null, null, "refused", e.getMessage());
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
            limiter.refused(domain);
            record(domain, side.domain(), null, null, "refused", "data connection with a token given to "
                    + side.domain());
            return false;
        }
        return side.arrival().complete(ch);
    }

    private void call(String source, CallRequest r, UnixSocket ch, MessageReader in) throws IOException {
        ServiceCall call = r.call();
        if (limiter.exhausted(source)) {
            // Neither the policy nor the disk pays for a domain that keeps asking for what it is refused: these
            // refusals fold into one record per window whatever the calls named.
            String why = "too many refused calls from " + source + ": refused without a policy decision";
            record(source, null, null, null, "deny", why);
            slowDown();
            MessageEncoder.write(new CallRefused(r.requestId(), Wire.EXIT_REFUSED, reason(why
                    + "; try again in a few seconds")), ch);
            return;
        }
        Target target;
        try {
            requireCurrent(source, r.target(), call);
            target = decide(source, r.target(), call, ch);
        } catch (CallRefusal e) {
            MessageEncoder.write(new CallRefused(r.requestId(), e.exitCode(), reason(e.getMessage())), ch);
            return;
        }
        try {
            Started service;
            try {
                service = startService(source, target.name(), call);
            } catch (CallRefusal e) {
                MessageEncoder.write(new CallRefused(r.requestId(), e.exitCode(), reason(e.getMessage())), ch);
                return;
            } finally {
                if (target.disposable()) {
                    disposables.refill(target.template());
                }
            }
            try (UnixSocket connection = service.connection()) {
                handOver(source, target, r, service, ch, in);
            } finally {
                released();
            }
        } finally {
            if (target.disposable()) {
                disposables.destroy(target.name());
            }
        }
    }

    /**
     * Holds the answer to a call refused for the rate of refusals a moment, on the flooding domain's own connection
     * (of which it has {@link AgentListener#MAX_CONNECTIONS}): a domain that refuses to stop cannot make the broker
     * answer as fast as it asks.
     */
    private void slowDown() {
        try {
            Thread.sleep(THROTTLED_ANSWER_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Hands each side its end of a new socket pair, then waits for the end of the call and records it. For a call
     * to a disposable, the caller's request connection is watched meanwhile: its end means the caller is gone.
     */
    private void handOver(String source, Target target, CallRequest r, Started service, UnixSocket ch,
                          MessageReader in) {
        ServiceCall call = r.call();
        UnixSocket[] pair;
        try {
            pair = pair();
        } catch (IOException e) {
            record(source, target.name(), call, null, "ended", "no socket pair for the call: " + e.getMessage());
            return;
        }
        try (UnixSocket callerEnd = pair[0]; UnixSocket serviceEnd = pair[1]) {
            service.connection().sendWithDescriptor(encode(new CallChannel()), serviceEnd);
            ch.sendWithDescriptor(encode(new CallAccepted(r.requestId(), service.token())), callerEnd);
        } catch (IOException e) {
            // One side went away before it had its end; the other sees the end of the call on its own.
            record(source, target.name(), call, null, "ended", "the call's connection could not be handed over: "
                    + e.getMessage());
            return;
        }
        if (!target.disposable()) {
            ch.close();
            awaitEnd(source, target.name(), call, service.service());
            return;
        }
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Thread watch = Thread.ofPlatform().daemon().name("airlock-caller-" + target.name())
                .start(() -> watchCaller(source, target.name(), call, in, ended));
        try {
            awaitEnd(source, target.name(), call, service.service());
        } finally {
            ended.complete(null);
            // Wakes the watch, which then has nothing left to do.
            ch.close();
        }
        try {
            watch.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits for the end of a disposable call's request connection, which the caller holds for the life of the call:
     * once it ends (or brings anything at all) while the call goes on, the caller is gone, and so is the disposable.
     * A caller that is done closes it just after the service's exit code reached it, a moment before the service's
     * agent reports the same end: that report has {@link #CALLER_GONE_GRACE_MILLIS} to come first.
     */
    private void watchCaller(String source, String disposable, ServiceCall call, MessageReader in,
                             CompletableFuture<Void> ended) {
        String why;
        try {
            why = in.read().map(m -> "the caller sent " + m.getClass().getSimpleName() + " after its request")
                    .orElse("the caller closed its request connection");
        } catch (IOException e) {
            why = "the caller's request connection failed: " + e.getMessage();
        }
        try {
            ended.get(CALLER_GONE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            return;
        } catch (TimeoutException e) {
            // The call goes on without its caller.
        } catch (ExecutionException e) {
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        record(source, disposable, call, null, "caller-gone", why + " before the call ended; " + disposable
                + " is destroyed");
        disposables.destroy(disposable);
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

    /**
     * Refuses the calls of a sandbox that a removed domain left running (a start can slip in while a domain is
     * removed): the policy and the user know its name only, which may be a new domain's by now (issue 10). Before
     * the policy, so that the user is never asked about such a call on the new domain's behalf.
     */
    private void requireCurrent(String source, String requested, ServiceCall call) throws CallRefusal {
        boolean current;
        try {
            current = views.isCurrent(source);
        } catch (IOException e) {
            throw refuse(source, requested, call, null, Wire.EXIT_MACHINERY, "cannot read the registry: "
                    + e.getMessage());
        }
        if (!current) {
            throw refuse(source, requested, call, null, Wire.EXIT_REFUSED, "the sandbox of " + source
                    + " was started for a domain of that name that is no longer in the registry");
        }
    }

    /**
     * Policy's answer for the call, audited; the target the call goes to, which runs. While the user is asked, the
     * caller's request connection {@code ch} is watched: a caller that goes away takes its question with it.
     */
    private Target decide(String source, String requested, ServiceCall call, UnixSocket ch) throws CallRefusal {
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
            CompletableFuture<Void> gone = new CompletableFuture<>();
            // Ends when the caller hangs up or when the connection is closed here, whichever comes first.
            BlockingThreads.start(() -> {
                try {
                    ch.awaitHangUp();
                    gone.complete(null);
                } catch (IOException e) {
                    // Closed on this side: the call is over.
                }
            });
            try {
                d = asks.await(source, call, ask, gone);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw refuse(source, requested, call, rule, Wire.EXIT_MACHINERY, "the broker is stopping");
            }
            if (gone.isDone()) {
                // Counted as a refusal: asking and hanging up in a loop would otherwise write records unlimited.
                limiter.refused(source);
                record(source, requested, call, rule, "caller-gone", "the caller went away while the user was asked;"
                        + " its question is dropped");
                throw new CallRefusal(Wire.EXIT_REFUSED, "the caller went away");
            }
        }
        if (!(d instanceof Decision.Allow allow)) {
            throw refuse(source, requested, call, rule, Wire.EXIT_REFUSED, "refused by policy: " + d.reason());
        }
        String target = allow.target();
        if (target.startsWith(DISPVM_PREFIX)) {
            return disposable(source, target.substring(DISPVM_PREFIX.length()), call, rule, allow.reason());
        }
        if (disposables.isUnbound(target)) {
            // Whatever a call left in it would be waiting for the caller it is handed to next.
            throw refuse(source, target, call, rule, Wire.EXIT_REFUSED, "target " + target + " is a disposable "
                    + "waiting in the pool or starting: calls reach it only through @dispvm");
        }
        if (!QrexecNames.isDomainName(target) || target.equals(HOST)) {
            throw refuse(source, target, call, rule, Wire.EXIT_MACHINERY, "calls to " + target
                    + " are not supported yet");
        }
        String started = startIfHalted(source, target, call, allow);
        record(source, target, call, rule, "allow", allow.reason() + started);
        return new Target(target, null);
    }

    /**
     * Why the host's own calls ({@code airlock open-in-dvm ./FILE}) are not put to the policy, for the audit log.
     * Qubes does the same: dom0 calls a service in a domain directly, and the policy governs calls from domains. The
     * admin socket admits only the owner of airlock's state, who could run anything in any domain anyway.
     */
    static final String HOST_CALL = "the host's own call (airlock open-in-dvm): calls from the host are not put to "
            + "the policy, as dom0's are not in Qubes";

    /**
     * A new disposable of {@code template} for a call the host makes itself, audited with source {@value #HOST}.
     * The caller destroys it when the call is over.
     */
    String hostDisposable(String template, ServiceCall call) throws CallRefusal {
        if (!QrexecNames.isDomainName(template)) {
            throw refuse(HOST, template, call, null, Wire.EXIT_REFUSED, "invalid disposable template name \""
                    + template + "\"");
        }
        return disposable(HOST, template, call, null, HOST_CALL).name();
    }

    /** A disposable of {@code template} for the call, from the pool or started for it; audited by its name. */
    private Target disposable(String source, String template, ServiceCall call, String rule, String reason)
            throws CallRefusal {
        Disposables.Taken d;
        try {
            d = disposables.take(template, source);
        } catch (DisposableQuota.LimitReachedException e) {
            throw refuse(source, DISPVM_PREFIX + template, call, rule, Wire.EXIT_REFUSED,
                    "no disposable of " + template + ": " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw refuse(source, DISPVM_PREFIX + template, call, rule, Wire.EXIT_MACHINERY,
                    "cannot make a disposable of " + template + ": " + e.getMessage());
        }
        record(source, d.name(), call, rule, "allow", reason + "; disposable " + d.name() + " of " + template
                + (d.pooled() ? " from the pool" : " started for the call"));
        return new Target(d.name(), template);
    }

    /**
     * Starts a halted target when the deciding rule lets it ({@code autostart=yes}, the default), as
     * {@code airlock start} does; what the audit adds to the reason.
     */
    private String startIfHalted(String source, String target, ServiceCall call, Decision.Allow allow)
            throws CallRefusal {
        String rule = allow.rule() == null ? null : allow.rule().location();
        Optional<UUID> uuid;
        try {
            uuid = views.uuid(target);
        } catch (IOException e) {
            throw refuse(source, target, call, rule, Wire.EXIT_MACHINERY, "cannot read the registry: "
                    + e.getMessage());
        }
        // Only the sandbox started for the domain of that name now: one that outlived a removed domain of the
        // same name is stopped by the start below, never handed the call.
        if (uuid.isPresent() && domains.isReady(target, uuid.get())) {
            return "";
        }
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
     * Runs {@code true} in a pooled disposable through {@value #RUN_SERVICE}: the agent's path that starts services
     * then runs compiled and loaded when the first call comes.
     */
    void warmUp(String name) throws IOException {
        Started service;
        try {
            service = startService(HOST, name, new ServiceCall(RUN_SERVICE, ""));
        } catch (CallRefusal e) {
            throw new IOException("cannot warm up " + name + ": " + e.getMessage());
        }
        try (UnixSocket connection = service.connection();
             UnixSocket ours = runEnd(service, "[\"true\"]".getBytes(StandardCharsets.US_ASCII))) {
            ours.shutdownOutput();
            MessageReader in = new MessageReader(ours);
            for (Optional<Message> m = in.read(); m.isPresent(); m = in.read()) {
                if (m.get() instanceof Message.ExitCode) {
                    return;
                }
            }
        } finally {
            released();
        }
    }

    /**
     * Gives a started {@value #RUN_SERVICE} its end of a new socket pair and writes the command to run first, as
     * the one stdin frame that only the broker can write; returns the broker's end, from which the rest of the call
     * runs.
     */
    static UnixSocket runEnd(Started service, byte[] argv) throws IOException {
        UnixSocket ours = callerEnd(service);
        try {
            MessageEncoder.write(new Message.Data(DataStream.STDIN, argv), ours);
            return ours;
        } catch (IOException e) {
            ours.close();
            throw e;
        }
    }

    /**
     * Gives a started service its end of a new socket pair and returns the other, the caller's end, for a call the
     * host makes itself.
     */
    static UnixSocket callerEnd(Started service) throws IOException {
        UnixSocket[] pair = pair();
        UnixSocket ours = pair[0];
        try (UnixSocket theirs = pair[1]) {
            service.connection().sendWithDescriptor(encode(new CallChannel()), theirs);
            return ours;
        } catch (IOException e) {
            ours.close();
            throw e;
        }
    }

    /**
     * Asks {@code target}'s agent to start {@code call} for {@code source} and waits for the service's CONNECT
     * connection. The caller must {@linkplain #released release} a started call when it is over.
     */
    Started startService(String source, String target, ServiceCall call) throws CallRefusal {
        long token = random.nextLong();
        CompletableFuture<Connected> arrival = expect(token, target, source.equals(HOST));
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

    private CallRefusal refuse(String source, String target, ServiceCall call, String rule, int code,
                               String reason) {
        limiter.refused(source);
        record(source, target, call, rule, code == Wire.EXIT_REFUSED ? "deny" : "failed", reason);
        return new CallRefusal(code, reason);
    }

    private void record(String source, String target, ServiceCall call, String rule, String outcome,
                        String detail) {
        try {
            AuditLog.Entry e = new AuditLog.Entry(Instant.now(), source, target, call == null ? null : call.service(),
                    call == null ? null : call.argument(), rule, outcome, detail);
            if (REFUSALS.contains(outcome)) {
                refusals.record(e);
            } else {
                audit.append(e);
            }
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
