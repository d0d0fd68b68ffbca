package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.contract.BuiltInService;
import dev.airlock.hostcopy.Recipient;
import dev.airlock.policy.DomainFacts;
import dev.airlock.policy.DomainView;
import dev.airlock.policy.PolicyStore;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.qrexec.Wire;
import dev.airlock.sys.UnixSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker's identity and token rules on real sockets, without bubblewrap: each domain has its own listening
 * socket, as in the broker; each agent's control channel is one end of a {@link UnixSocket#pair()}, whose other
 * end the test reads as that agent.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CallRouterTest {
    private static final DomainView DOMAINS = DomainView.of(List.of(
            new DomainFacts("work", "AppVM", Set.of(), true, null, false, null, false),
            new DomainFacts("personal", "AppVM", Set.of(), true, null, false, null, false),
            new DomainFacts("vault", "AppVM", Set.of(), true, null, false, null, false)));
    private static final ServiceCall PING = new ServiceCall("test.Ping", "");

    @TempDir
    Path tmp;

    private final List<AutoCloseable> open = new ArrayList<>();
    /** The agent's end of each domain's control channel. */
    private final Map<String, MessageReader> controls = new ConcurrentHashMap<>();
    private final Map<String, AgentLink> links = new ConcurrentHashMap<>();
    private final AtomicInteger servicesStarted = new AtomicInteger();
    private PolicyStore policy;
    private AuditLog audit;
    private CallRouter router;

    private final CallRouter.Agents agents = new CallRouter.Agents() {
        @Override
        public AgentLink agentReady(String name, UnixSocket ch) {
            throw new UnsupportedOperationException("no agent connects in these tests");
        }

        @Override
        public void agentGone(String name, AgentLink link) {
        }

        @Override
        public AgentLink link(String name) throws IOException {
            servicesStarted.incrementAndGet();
            AgentLink link = links.get(name);
            if (link == null) {
                throw new IOException("domain " + name + " is not running");
            }
            return link;
        }
    };
    private final CallDecider.Targets targets = Routers.allRunning(new ArrayList<>());
    private final DisposablePool noDisposables = new DisposablePool() {
        @Override
        public Taken take(String template, String caller) throws IOException {
            throw new IOException("no disposables here");
        }

        @Override
        public boolean isUnbound(String name) {
            return false;
        }

        @Override
        public void refill(String template) {
        }

        @Override
        public void destroy(String name) {
        }
    };

    private record Views(DomainView view) implements DomainViews {
        @Override
        public Optional<UUID> uuid(String name) {
            return Optional.of(UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public boolean isCurrent(String name) {
            return true;
        }
    }

    private void broker(String policyText) throws IOException {
        broker(policyText, null);
    }

    /** The broker with {@code host} as the target of copies to dom0 ({@code null}: a host that serves nothing). */
    private void broker(String policyText, CallRouter.HostTarget host) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("policy"));
        Files.writeString(dir.resolve("50-test.policy"), policyText);
        policy = PolicyStore.openManual(dir);
        audit = new AuditLog(tmp.resolve("audit.jsonl"));
        CallAudit calls = new CallAudit(audit);
        CallDecider decider = new CallDecider(targets, noDisposables, policy, new Views(DOMAINS),
                (s, c, a, g) -> a.answer(null), calls);
        router = host == null ? new CallRouter().attach(agents, decider, noDisposables, calls)
                : new CallRouter().attach(agents, decider, noDisposables, calls, host);
        for (String domain : List.of("work", "personal", "vault")) {
            open.add(AgentListener.start(domain, socket(domain), router));
            UnixSocket[] control = UnixSocket.pair();
            open.add(control[0]);
            open.add(control[1]);
            links.put(domain, new AgentLink(control[0]));
            controls.put(domain, new MessageReader(control[1]));
        }
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        if (router != null) {
            router.closeAudit();
        }
        if (policy != null) {
            policy.close();
        }
    }

    private Path socket(String domain) {
        return tmp.resolve(domain + ".sock");
    }

    /** A new connection on {@code domain}'s own socket, past HELLO; it may receive one descriptor. */
    private UnixSocket connect(String domain) throws IOException {
        UnixSocket s = UnixSocket.connect(socket(domain), UnixSocket.Descriptors.ACCEPT_ONE);
        open.add(s);
        assertThat(new MessageReader(s).require()).isInstanceOf(Message.Hello.class);
        MessageEncoder.write(Message.Hello.current(), s);
        return s;
    }

    /** {@code domain}'s request for {@code call} in {@code target}; its answer comes on the returned connection. */
    private UnixSocket request(String domain, String target, ServiceCall call) throws IOException {
        UnixSocket s = connect(domain);
        MessageEncoder.write(new Message.CallRequest(1, target, call), s);
        return s;
    }

    /** A CONNECT with {@code token} on {@code domain}'s socket, as a service's agent answers a service start. */
    private UnixSocket present(String domain, long token) throws IOException {
        UnixSocket s = connect(domain);
        MessageEncoder.write(new Message.Connect(token), s);
        return s;
    }

    private Message.ServiceStart serviceStart(String domain) throws IOException {
        return (Message.ServiceStart) controls.get(domain).require();
    }

    /** What the broker says next on {@code s}; empty when it closed the connection. */
    private static Optional<Message> next(UnixSocket s) throws IOException {
        return new MessageReader(s).read();
    }

    @Test
    void aCopyToTheHostIsServedByTheBrokerOnTheCallersOwnConnection() throws Exception {
        List<String> served = new ArrayList<>();
        broker("qubes.Filecopy * work @adminvm allow\n", new CallRouter.HostTarget() {
            @Override
            public Recipient recipient() {
                return new Recipient(tmp, 1000, 1000, false);
            }

            @Override
            public int serve(Recipient to, String source, ServiceCall call, UnixSocket data) throws IOException {
                served.add(source + " " + call.service());
                MessageEncoder.write(new Message.ExitCode(0), data);
                return 0;
            }
        });
        UnixSocket call = request("work", "dom0", new ServiceCall("qubes.Filecopy", ""));
        assertThat(next(call)).get().isInstanceOf(Message.CallAccepted.class);
        try (UnixSocket data = call.takeDescriptor()) {
            assertThat(next(data)).get().isEqualTo(new Message.ExitCode(0));
        }
        router.awaitCallsEnded(5000);
        assertThat(served).containsExactly("work qubes.Filecopy");
        assertThat(servicesStarted).as("no agent was asked").hasValue(0);
        assertThat(audit.read(e -> "ended".equals(e.outcome()))).singleElement()
                .satisfies(e -> assertThat(e.target()).isEqualTo("dom0"));
    }

    @Test
    void aCopyToAHostWithNobodyToReceiveIsRefusedWithTheHostsReason() throws Exception {
        broker("qubes.Filecopy * work @adminvm allow\ntest.Ping * work @adminvm allow\n",
                new CallRouter.HostTarget() {
                    @Override
                    public Recipient recipient() throws CallRefusal {
                        throw new CallRefusal(Wire.EXIT_REFUSED, "no desktop user");
                    }

                    @Override
                    public int serve(Recipient to, String source, ServiceCall call, UnixSocket data) {
                        throw new AssertionError("a refused call is never served");
                    }
                });
        UnixSocket copy = request("work", "dom0", new ServiceCall("qubes.Filecopy", ""));
        assertThat(next(copy)).get().isInstanceOfSatisfying(Message.CallRefused.class,
                r -> assertThat(r.reason()).contains("no desktop user"));
        UnixSocket other = request("work", "dom0", PING);
        assertThat(next(other)).get().isInstanceOfSatisfying(Message.CallRefused.class,
                r -> assertThat(r.reason()).contains("qubes.Filecopy only"));
    }

    @Test
    void callerCannotClaimAnotherDomainsIdentity() throws Exception {
        broker("test.Ping * personal vault allow\ntest.Ping * @anyvm @anyvm deny\n");

        // The request carries no source: a call on work's socket is work's, whatever work would like to be.
        UnixSocket fromWork = request("work", "vault", PING);
        assertThat(next(fromWork)).get().isInstanceOfSatisfying(Message.CallRefused.class,
                r -> assertThat(r.exitCode()).isEqualTo(Wire.EXIT_REFUSED));
        assertThat(servicesStarted).hasValue(0);

        UnixSocket fromPersonal = request("personal", "vault", PING);
        Message.ServiceStart start = serviceStart("vault");
        assertThat(start.source()).as("the target is told the socket's domain").isEqualTo("personal");
        UnixSocket service = present("vault", start.token());
        assertThat(next(service)).get().isInstanceOf(Message.CallChannel.class);
        assertThat(next(fromPersonal)).get().isInstanceOf(Message.CallAccepted.class);
        MessageEncoder.write(new Message.ExitCode(0), service);

        router.awaitCallsEnded(5000);
        assertThat(audit.read(e -> "deny".equals(e.outcome()))).singleElement()
                .satisfies(e -> assertThat(e.source()).isEqualTo("work"));
        assertThat(audit.read(e -> "allow".equals(e.outcome()))).singleElement()
                .satisfies(e -> assertThat(e.source()).isEqualTo("personal"));
    }

    @Test
    void domainCannotCallHostOnlyService() throws Exception {
        broker("* * @anyvm @anyvm allow\n");

        for (String service : BuiltInService.hostOnlyNames()) {
            UnixSocket caller = request("work", "vault", new ServiceCall(service, ""));

            assertThat(next(caller)).get().isInstanceOfSatisfying(Message.CallRefused.class, r -> {
                assertThat(r.exitCode()).isEqualTo(Wire.EXIT_REFUSED);
                assertThat(r.reason()).isEqualTo(service + " is reserved to the host");
            });
        }
        assertThat(servicesStarted).as("no agent was asked to start anything").hasValue(0);
    }

    @Test
    void tokenCannotBeReplayedOrGuessed() throws Exception {
        broker("test.Ping * work vault allow\n");
        UnixSocket caller = request("work", "vault", PING);
        long token = serviceStart("vault").token();
        assertThat(next(present("vault", token + 1))).as("a guessed token").isEmpty();

        UnixSocket service = present("vault", token);
        assertThat(next(service)).get().isInstanceOf(Message.CallChannel.class);
        UnixSocket serviceEnd = service.takeDescriptor();
        open.add(serviceEnd);
        assertThat(next(caller)).get().isInstanceOfSatisfying(Message.CallAccepted.class,
                a -> assertThat(a.token()).isEqualTo(token));
        UnixSocket callerEnd = caller.takeDescriptor();
        open.add(callerEnd);

        assertThat(next(present("vault", token))).as("the token, once used").isEmpty();
        assertThat(next(present("work", token))).as("the token, shown by the caller it was told to").isEmpty();

        // The call itself is untouched: its two ends are one connection.
        callerEnd.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
        ByteBuffer got = ByteBuffer.allocate(4);
        while (got.hasRemaining() && serviceEnd.read(got) > 0) {
            // Reads until the four bytes are there.
        }
        assertThat(new String(got.array(), StandardCharsets.US_ASCII)).isEqualTo("ping");
        MessageEncoder.write(new Message.ExitCode(0), service);
        router.awaitCallsEnded(5000);
        assertThat(audit.read(e -> "ended".equals(e.outcome()))).singleElement()
                .satisfies(e -> assertThat(e.detail()).isEqualTo("the service exited with 0"));
    }

    @Test
    void tokenPresentedByAnotherDomainIsSpentAndItsCallFails() throws Exception {
        broker("test.Ping * work vault allow\n");
        UnixSocket caller = request("work", "vault", PING);
        long token = serviceStart("vault").token();

        assertThat(next(present("personal", token))).as("personal has no call with that token").isEmpty();

        assertThat(next(caller)).get().isInstanceOfSatisfying(Message.CallRefused.class, r -> {
            assertThat(r.exitCode()).isEqualTo(Wire.EXIT_MACHINERY);
            assertThat(r.reason()).isEqualTo("the call's token was presented by another domain");
        });
        assertThat(next(present("vault", token))).as("the rightful target comes too late").isEmpty();
        router.closeAudit();
        assertThat(audit.read(e -> "refused".equals(e.outcome()))).singleElement().satisfies(e -> {
            assertThat(e.source()).isEqualTo("personal");
            assertThat(e.detail()).isEqualTo("data connection with a token given to vault");
        });
    }
}
