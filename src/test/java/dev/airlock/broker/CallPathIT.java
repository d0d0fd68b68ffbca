package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.agent.Caller;
import dev.airlock.broker.LiveDomains.Result;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.Message.CallAccepted;
import dev.airlock.qrexec.Message.CallRefused;
import dev.airlock.qrexec.Message.CallRequest;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.qrexec.Wire;
import dev.airlock.testing.Await;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The call path end to end: a broker in this process, two real domains ({@code work} and {@code personal}) in
 * bubblewrap sandboxes running the packaged {@code target/airlock.jar}, calls between them under a test policy.
 * Runs after {@code package} (failsafe). As root, the domains run as uid 61000, which must be able to read
 * {@code target/} and the JDK.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CallPathIT {
    private static final String CLIENT = "$JAVA_HOME/bin/java -XX:TieredStopAtLevel=1 -jar /opt/airlock/airlock.jar"
            + " qrexec-client-vm";
    private static final String POLICY = """
            test.Echo    *  work  personal  allow
            test.True    *  work  personal  allow
            test.Whoami  *  work  personal  allow
            test.Missing *  work  personal  allow
            test.Marker  *  @anyvm @anyvm   deny
            test.Asked   *  work  personal  ask
            qubes.Filecopy * work personal allow
            test.Whoami  *  work  spare     allow
            test.Halted  *  work  spare     allow autostart=no
            test.AskSpare * work  spare     ask
            """;

    private LiveDomains live;
    private AirlockHome home;
    private Broker broker;

    @BeforeAll
    void startDomains(@TempDir Path tmp) throws IOException {
        live = LiveDomains.create(tmp, POLICY, "work", "personal", "spare");
        home = live.home();
        live.service("personal", "test.Echo", "echo \"from $QREXEC_REMOTE_DOMAIN arg=$1 on $(hostname)\"; cat; exit 7");
        live.service("personal", "test.True", "exit 0");
        live.service("personal", "test.Whoami", "echo $QREXEC_REMOTE_DOMAIN");
        live.service("personal", "test.Marker", "touch $HOME/marker");
        live.service("personal", "test.Asked", "echo asked");
        // spare stays halted: only calls start it.
        for (String name : List.of("test.Whoami", "test.Halted", "test.AskSpare")) {
            live.service("spare", name, "echo \"$(hostname) for $QREXEC_REMOTE_DOMAIN\"");
        }
        broker = live.startBroker();
        live.start("work", "personal");
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    /** {@code qrexec-client-vm TARGET SERVICE} run by a process inside {@code work}. */
    private Result callFromWork(String target, String service, String stdin) throws IOException {
        return live.run("work", stdin, "sh", "-c", CLIENT + " " + target + " " + service);
    }

    private Path socketOf(String domain) {
        return live.socketOf(domain);
    }

    @Test
    void runPrintsTheDomainsHostname() throws IOException {
        Result r = live.run("work", "", "hostname");
        assertThat(r.out()).isEqualTo("work\n");
        assertThat(r.code()).isZero();
        assertThat(live.run("work", "", "sh", "-c", "echo oops >&2; exit 3")).isEqualTo(new Result(3, "", "oops\n"));
    }

    @Test
    void asRootEachDomainRunsAsAHostUserOfItsOwn() throws IOException {
        assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root"), "only as root");
        assertThat(live.run("work", "", "touch", "probe").code()).isZero();
        assertThat(live.run("personal", "", "touch", "probe").code()).isZero();
        Object work = Files.getAttribute(live.homeOf("work").resolve("probe"), "unix:uid");
        Object personal = Files.getAttribute(live.homeOf("personal").resolve("probe"), "unix:uid");
        assertThat(work).isNotEqualTo(0).isNotEqualTo(personal);
    }

    @Test
    void allowedCallRunsTheServiceOfTheTargetAndReturnsItsOutputAndExitCode() throws IOException {
        Result r = callFromWork("personal", "test.Echo+abc", "ping\n");
        assertThat(r.out()).isEqualTo("from work arg=abc on personal\nping\n");
        assertThat(r.code()).isEqualTo(7);
    }

    @Test
    void brokerOffTheDataPathStillRecordsTheEndOfTheCallWithTheServicesExitCode() throws Exception {
        assertThat(callFromWork("personal", "test.Echo+ended", "").code()).isEqualTo(7);
        // The target's agent reports the end after the caller has its exit code: wait for the record.
        List<AuditLog.Entry> ended = Await.last(Await.DEFAULT_LIMIT, () -> new AuditLog(home.auditLog())
                .read(e -> "ended".equals(e.outcome()) && "test.Echo".equals(e.service())
                        && "ended".equals(e.argument())), found -> !found.isEmpty());
        assertThat(ended).singleElement().satisfies(e -> {
            assertThat(e.source()).isEqualTo("work");
            assertThat(e.target()).isEqualTo("personal");
            assertThat(e.detail()).isEqualTo("the service exited with 7");
        });
    }

    @Test
    void deniedCallIsRefusedWith126AndNothingRuns() throws IOException {
        Result r = callFromWork("personal", "test.Marker", "");
        assertThat(r.code()).isEqualTo(Wire.EXIT_REFUSED);
        assertThat(r.err()).contains("refused by policy");
        assertThat(live.run("personal", "", "ls", "-A", "/home/user").out()).doesNotContain("marker");
    }

    @Test
    void serviceThatDoesNotExistIs127() throws IOException {
        Result r = callFromWork("personal", "test.Missing", "");
        assertThat(r.code()).isEqualTo(Wire.EXIT_NO_SERVICE);
        assertThat(r.err()).contains("no such service");
    }

    @Test
    void callToOneselfIsRefused() throws IOException {
        assertThat(callFromWork("work", "test.Echo", "").code()).isEqualTo(Wire.EXIT_REFUSED);
    }

    @Test
    void hostRunServiceCannotBeCalledByADomain() throws IOException {
        Message answer = request(socketOf("work"), new CallRequest(1, "personal", new ServiceCall("airlock.Run", "")));
        assertThat(answer).isInstanceOfSatisfying(CallRefused.class,
                r -> assertThat(r.exitCode()).isEqualTo(Wire.EXIT_REFUSED));
    }

    @Test
    void claimingToBeAnotherDomainIsImpossible() throws IOException {
        // The source is the socket the call came in on: personal's own service sees work, whatever work says.
        Caller.Outcome o = Caller.call(socketOf("work"), "personal", new ServiceCall("test.Whoami", ""),
                new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), new ByteArrayOutputStream());
        assertThat(o.exitCode()).isZero();
        assertThat(live.run("work", "", "sh", "-c", CLIENT + " personal test.Whoami").out()).isEqualTo("work\n");
        // A token given to work is worth nothing on another domain's socket, and is spent by the attempt.
        Message accepted = request(socketOf("work"), new CallRequest(1, "personal", new ServiceCall("test.True", "")));
        long token = ((CallAccepted) accepted).token();
        assertThat(dataAfterConnect(socketOf("personal"), token)).isEmpty();
        assertThat(dataAfterConnect(socketOf("work"), token)).isEmpty();
    }

    @Test
    void serviceNameWithForbiddenCharactersIsRefused() throws IOException {
        byte[] service = "test.Echo;id".getBytes(StandardCharsets.US_ASCII);
        byte[] target = "personal".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer payload = ByteBuffer.allocate(4 + 2 + target.length + 2 + service.length + 2)
                .order(ByteOrder.LITTLE_ENDIAN);
        payload.putInt(1).putShort((short) target.length).put(target).putShort((short) service.length).put(service)
                .putShort((short) 0);
        ByteBuffer frame = ByteBuffer.allocate(8 + payload.capacity()).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(Wire.CALL_REQUEST).putInt(payload.capacity()).put(payload.array()).flip();
        try (SocketChannel ch = connect(socketOf("work"))) {
            MessageEncoder.write(Message.Hello.current(), ch);
            while (frame.hasRemaining()) {
                ch.write(frame);
            }
            MessageReader in = new MessageReader(ch);
            in.require();
            assertThat(in.require()).isInstanceOfSatisfying(CallRefused.class,
                    r -> assertThat(r.exitCode()).isEqualTo(Wire.EXIT_REFUSED));
        }
        assertThat(new AuditLog(home.auditLog()).read(e -> "work".equals(e.source())
                && "refused".equals(e.outcome()) && e.detail().contains("service name"))).isNotEmpty();
    }

    @Test
    void qvmCopyToVmPutsTheFilesInTheTargetsIncomingFolder() throws IOException {
        Result r = live.run("work", "", "sh", "-c", "mkdir -p d && echo data > d/f.txt && $JAVA_HOME/bin/java -jar"
                + " /opt/airlock/airlock.jar qvm-copy-to-vm personal d");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(live.run("personal", "", "cat", "/home/user/QubesIncoming/work/d/f.txt").out()).isEqualTo("data\n");
        Result refused = live.run("personal", "", "sh", "-c", "echo x > g && $JAVA_HOME/bin/java -jar"
                + " /opt/airlock/airlock.jar qvm-copy-to-vm work g");
        assertThat(refused.code()).isEqualTo(Wire.EXIT_REFUSED);
    }

    @Test
    void askedCallWaitsForTheUsersAnswer() throws Exception {
        CompletableFuture<Caller.Outcome> approved = askInBackground();
        new AdminClient(home).call(AdminClient.request("approve").put("id", waitingCallId()));
        assertThat(approved.get().exitCode()).isZero();
        CompletableFuture<Caller.Outcome> denied = askInBackground();
        new AdminClient(home).call(AdminClient.request("deny").put("id", waitingCallId()));
        assertThat(denied.get().exitCode()).isEqualTo(Wire.EXIT_REFUSED);
    }

    @Test
    void callToAHaltedDomainStartsItUnlessTheRuleSaysAutostartNo() throws Exception {
        // As in Qubes, the policy itself denies an autostart=no call whose target would have to be started.
        Result refused = callFromWork("spare", "test.Halted", "");
        assertThat(refused.code()).isEqualTo(Wire.EXIT_REFUSED);
        assertThat(refused.err()).contains("refused by policy").contains("30-test.policy:")
                .contains("autostart=no").contains("spare would have to be started");
        assertThat(socketOf("spare")).doesNotExist();
        assertThat(new AuditLog(home.auditLog()).read(e -> "test.Halted".equals(e.service())))
                .singleElement().extracting(AuditLog.Entry::outcome).isEqualTo("deny");

        Result started = callFromWork("spare", "test.Whoami", "");
        assertThat(started.code()).as(started.err()).isZero();
        assertThat(started.out()).isEqualTo("spare for work\n");
        assertThat(new AuditLog(home.auditLog()).read(e -> "spare".equals(e.target())
                && "allow".equals(e.outcome()))).singleElement().extracting(AuditLog.Entry::detail).asString()
                .endsWith("spare started for the call (autostart)");

        // An ask the user approves starts the chosen target too.
        new AdminClient(home).call(AdminClient.request("shutdown").put("domain", "spare"));
        assertThat(socketOf("spare")).doesNotExist();
        CompletableFuture<Caller.Outcome> approved = askInBackground("spare", "test.AskSpare");
        new AdminClient(home).call(AdminClient.request("approve").put("id", waitingCallId()));
        assertThat(approved.get().exitCode()).as("%s", approved.get().refusal()).isZero();
        assertThat(socketOf("spare")).exists();
    }

    private CompletableFuture<Caller.Outcome> askInBackground() {
        return askInBackground("personal", "test.Asked");
    }

    private CompletableFuture<Caller.Outcome> askInBackground(String target, String service) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Caller.call(socketOf("work"), target, new ServiceCall(service, ""),
                        new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                        new ByteArrayOutputStream());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private int waitingCallId() throws Exception {
        JsonNode call = live.waitingCall();
        assertThat(call.path("source").asText()).isEqualTo("work");
        return call.path("id").asInt();
    }

    @Test
    void trivialCallLatencyWithAWarmBroker() throws IOException {
        // Warm means the broker's and the agent's code is compiled: 200 calls first, then 50 measured.
        List<Long> nanos = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            long t0 = System.nanoTime();
            Caller.Outcome o = Caller.call(socketOf("work"), "personal", new ServiceCall("test.True", ""),
                    new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), new ByteArrayOutputStream());
            long t = System.nanoTime() - t0;
            assertThat(o.exitCode()).as("call %d: %s", i, o.refusal()).isZero();
            if (i >= 200) {
                nanos.add(t);
            }
        }
        Collections.sort(nanos);
        double median = nanos.get(nanos.size() / 2) / 1e6;
        System.out.printf("CallPathIT: trivial call, warm broker: median %.2f ms, min %.2f ms, max %.2f ms"
                + " over %d calls (target 5 ms)%n", median, nanos.getFirst() / 1e6, nanos.getLast() / 1e6,
                nanos.size());
        assertThat(median).isLessThan(250.0);
    }

    private static SocketChannel connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return ch;
    }

    private static Message request(Path socket, Message first) throws IOException {
        try (SocketChannel ch = connect(socket)) {
            MessageEncoder.write(Message.Hello.current(), ch);
            MessageEncoder.write(first, ch);
            MessageReader in = new MessageReader(ch);
            in.require();
            return in.require();
        }
    }

    /** What the broker sends after HELLO on a data connection with {@code token}: nothing when refused. */
    private static Optional<Message> dataAfterConnect(Path socket, long token) throws IOException {
        try (SocketChannel ch = connect(socket)) {
            MessageEncoder.write(Message.Hello.current(), ch);
            MessageEncoder.write(new Message.Connect(token), ch);
            MessageReader in = new MessageReader(ch);
            in.require();
            return in.read();
        }
    }
}
