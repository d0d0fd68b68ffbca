package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.broker.AuditLog;
import dev.airlock.broker.Broker;
import dev.airlock.broker.LiveDomains;
import dev.airlock.broker.LiveDomains.Result;
import dev.airlock.qrexec.Wire;
import dev.airlock.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file-copy commands end to end, as a user types them: {@code qvm-copy}, {@code qvm-copy-to-vm},
 * {@code qvm-move-to-vm} on the domains' {@code PATH}, and the host's {@code airlock copy}, in two real domains under
 * a policy that asks, with a 2 s ask timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FileCopyIT {
    private static final String POLICY = """
            qubes.Filecopy +allow-all-names work @default deny
            qubes.Filecopy * personal work   deny
            qubes.Filecopy * work     @anyvm ask default_target=personal
            """;

    private LiveDomains live;
    private AirlockHome home;
    private Broker broker;

    @BeforeAll
    void startDomains(@TempDir Path tmp) throws IOException {
        live = LiveDomains.create(tmp, POLICY, "work", "personal");
        home = live.home();
        broker = Broker.start(live.settings(Duration.ofSeconds(2)));
        live.start("work", "personal");
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void emptyIncoming() throws IOException {
        assertThat(live.run("personal", "", "rm", "-rf", "QubesIncoming").code()).isZero();
        assertThat(live.run("work", "", "rm", "-rf", "QubesIncoming").code()).isZero();
    }

    private Result sh(String domain, String script) throws IOException {
        return live.sh(domain, script);
    }

    private CompletableFuture<Result> inBackground(String domain, String script) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return sh(domain, script);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private void approve(String target) throws Exception {
        int id = live.waitingCall().path("id").asInt();
        new AdminClient(home).call(AdminClient.request("approve").put("id", id).put("target", target));
    }

    private Path incoming(String domain) {
        return live.homeOf(domain).resolve("QubesIncoming/work");
    }

    private List<String> incomingNames() throws IOException {
        Path dir = incoming("personal");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void qvmCopyToVmAskedAndApprovedDeliversTheFiles() throws Exception {
        CompletableFuture<Result> copy = inBackground("work", "echo data > a.txt && qvm-copy-to-vm personal a.txt");
        JsonNode call = live.waitingCall();
        assertThat(call.path("target").asText()).isEqualTo("personal");
        assertThat(call.path("service").asText()).isEqualTo("qubes.Filecopy");
        approve("personal");
        Result r = copy.get();
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(incoming("personal").resolve("a.txt"))).isEqualTo("data\n");
    }

    @Test
    void aTypedCopyWhoseClientIsKilledMidStreamLeavesNothingAtTheReceiver() throws Exception {
        // The command is a thin client of work's agent, which runs the copy: killing the client must end it there,
        // not leave the agent finishing it. The receiver writes into a file without a name until the end, so the
        // proof is that nothing arrives even once the call is over.
        int before = filecopyCallsEnded();
        CompletableFuture<Result> copy = inBackground("work", "rm -f /tmp/copy.pid; truncate -s 2G big"
                + " && { qvm-copy-to-vm personal big & echo $! > /tmp/copy.pid; wait $!; }");
        approve("personal");
        Await.until("the receiver has started", () -> Files.isDirectory(incoming("personal")));
        assertThat(sh("work", "kill -KILL $(cat /tmp/copy.pid)").code()).isZero();
        assertThat(copy.get().code()).isEqualTo(128 + 9);
        Await.until(Duration.ofSeconds(120), "the broker records the call's end",
                () -> filecopyCallsEnded() > before);
        assertThat(incomingNames()).as("nothing arrived").isEmpty();
        assertThat(sh("work", "rm -f big").code()).isZero();
    }

    private int filecopyCallsEnded() {
        try {
            return new AuditLog(home.auditLog()).read(e -> "ended".equals(e.outcome())
                    && e.service().startsWith("qubes.Filecopy") && "work".equals(e.source())).size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void qvmCopyLetsTheUserChooseTheTargetOnTheHost() throws Exception {
        CompletableFuture<Result> copy = inBackground("work", "echo data > b.txt && qvm-copy b.txt");
        JsonNode call = live.waitingCall();
        assertThat(call.path("target").asText()).isEqualTo("@default");
        assertThat(call.path("default").asText()).isEqualTo("personal");
        assertThat(call.path("targets").toString()).contains("personal");
        approve("personal");
        Result r = copy.get();
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(incoming("personal").resolve("b.txt"))).isEqualTo("data\n");
    }

    @Test
    void unansweredAskTimesOutWith126AndDeliversNothing() throws Exception {
        Result r = sh("work", "echo data > c.txt && qvm-copy-to-vm personal c.txt");
        assertThat(r.code()).isEqualTo(Wire.EXIT_REFUSED);
        assertThat(r.err()).startsWith("ERROR: ").contains("nobody answered within 2 s");
        assertThat(incomingNames()).isEmpty();
    }

    @Test
    void deniedCopyIs126AndDeliversNothing() throws Exception {
        CompletableFuture<Result> copy = inBackground("work", "echo data > d.txt && qvm-copy d.txt");
        int id = live.waitingCall().path("id").asInt();
        new AdminClient(home).call(AdminClient.request("deny").put("id", id));
        Result r = copy.get();
        assertThat(r.code()).isEqualTo(Wire.EXIT_REFUSED);
        assertThat(r.err()).contains("the user denied the call");
        assertThat(incomingNames()).isEmpty();
    }

    @Test
    void moveDeletesTheSourcesOnlyAfterTheReceiverConfirmed() throws Exception {
        CompletableFuture<Result> move = inBackground("work",
                "mkdir -p m/sub && echo one > m/sub/1 && echo two > m2.txt && qvm-move-to-vm personal m m2.txt");
        approve("personal");
        Result r = move.get();
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(incoming("personal").resolve("m/sub/1"))).isEqualTo("one\n");
        assertThat(Files.readString(incoming("personal").resolve("m2.txt"))).isEqualTo("two\n");
        assertThat(sh("work", "ls -A").out()).doesNotContain("m2.txt").doesNotContainPattern("(?m)^m$");
    }

    @Test
    void moveThatCannotDeleteASourceSaysSoAfterTheDelivery() throws Exception {
        CompletableFuture<Result> move = inBackground("work",
                "mkdir -p ro && echo kept > ro/k.txt && chmod a-w ro && qvm-move-to-vm personal ro/k.txt");
        approve("personal");
        Result r = move.get();
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("ERROR: everything was delivered, but the sources could not all be deleted: "
                + "ro/k.txt: permission denied\n");
        assertThat(Files.readString(incoming("personal").resolve("k.txt"))).isEqualTo("kept\n");
        assertThat(sh("work", "cat ro/k.txt && chmod u+w ro").out()).isEqualTo("kept\n");
    }

    @Test
    void moveRefusedByPolicyKeepsTheSources() throws Exception {
        Result r = sh("personal", "echo keep > p.txt && qvm-move-to-vm work p.txt");
        assertThat(r.code()).isEqualTo(Wire.EXIT_REFUSED);
        assertThat(r.err()).startsWith("ERROR: ").contains("refused by policy");
        assertThat(sh("personal", "cat p.txt").out()).isEqualTo("keep\n");
    }

    @Test
    void moveRefusedByTheReceiverKeepsTheSourcesAndTheReceiversFile() throws Exception {
        assertThat(sh("personal", "mkdir -p QubesIncoming/work && echo old > QubesIncoming/work/x.txt").code())
                .isZero();
        CompletableFuture<Result> move = inBackground("work", "echo new > x.txt && qvm-move-to-vm personal x.txt");
        approve("personal");
        Result r = move.get();
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("ERROR: ").contains("exists");
        assertThat(r.err()).doesNotContain("Exception", "\tat ");
        assertThat(sh("work", "cat x.txt").out()).isEqualTo("new\n");
        assertThat(incomingNames()).containsExactly("x.txt");
        assertThat(Files.readString(incoming("personal").resolve("x.txt"))).isEqualTo("old\n");
    }

    @Test
    void moveToAReceiverThatSkipsKeepsOnlyTheSkippedSource() throws Exception {
        assertThat(sh("personal", "mkdir -p QubesIncoming/work .config/airlock && echo old > QubesIncoming/work/x.txt"
                + " && echo skip > .config/airlock/incoming-conflicts").code()).isZero();
        try {
            CompletableFuture<Result> move = inBackground("work", "echo new > x.txt && echo y > y.txt"
                    + " && qvm-move-to-vm personal x.txt y.txt");
            approve("personal");
            Result r = move.get();
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.err()).contains("skipped \"x.txt\"").contains("kept \"x.txt\"");
            assertThat(sh("work", "cat x.txt").out()).isEqualTo("new\n");
            assertThat(sh("work", "test -e y.txt").code()).isNotZero();
            assertThat(Files.readString(incoming("personal").resolve("x.txt"))).isEqualTo("old\n");
            assertThat(Files.readString(incoming("personal").resolve("y.txt"))).isEqualTo("y\n");
        } finally {
            sh("personal", "rm -rf .config/airlock");
            sh("work", "rm -f x.txt y.txt");
        }
    }

    @Test
    void copyIntoARequestedFolderAndAFolderTheReceiverDidNotList() throws Exception {
        CompletableFuture<Result> copy = inBackground("work", "echo data > t.txt"
                + " && qvm-copy-to-vm --to inbox/2026 personal t.txt");
        approve("personal");
        Result r = copy.get();
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(incoming("personal").resolve("inbox/2026/t.txt"))).isEqualTo("data\n");

        CompletableFuture<Result> refused = inBackground("work", "qvm-copy-to-vm --to '~/Documents' personal t.txt");
        approve("personal");
        Result no = refused.get();
        assertThat(no.code()).isNotZero();
        assertThat(no.err()).contains("does not allow delivery into").doesNotContain("Exception");
        assertThat(sh("personal", "test -e Documents/t.txt").code()).isNotZero();
        sh("work", "rm -f t.txt");
    }

    @Test
    void nameThatNeedsAllowAllNamesAsksForIt() throws Exception {
        CompletableFuture<Result> copy = inBackground("work", "echo tab > \"$(printf 't\\tb')\" && qvm-copy-to-vm"
                + " personal \"$(printf 't\\tb')\"");
        assertThat(live.waitingCall().path("argument").asText()).isEqualTo("allow-all-names");
        approve("personal");
        Result r = copy.get();
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(incomingNames()).containsExactly("t\tb");
    }

    @Test
    void policyCanDenyNamesOutsideTheAllowlistWhileAllowingTheRest() throws Exception {
        // Qubes 4.2.2: such names go through qubes.Filecopy+allow-all-names, which policy judges on its own.
        Result r = sh("work", "echo tab > \"$(printf 'u\\tv')\" && qvm-copy \"$(printf 'u\\tv')\"");
        assertThat(r.code()).as(r.err()).isEqualTo(Wire.EXIT_REFUSED);
        assertThat(r.err()).contains("qubes.Filecopy").contains("refused by policy");
        assertThat(incomingNames()).isEmpty();
        JsonNode calls = new AdminClient(home).call(AdminClient.request("pending")).path("calls");
        assertThat(calls).isEmpty();
    }

    @Test
    void ignoreSymlinksSkipsALinkTheReceiverWouldRefuseAndSendsTheRest() throws Exception {
        CompletableFuture<Result> copy = inBackground("work", "mkdir -p il && echo kept > il/f && "
                + "ln -sfn /etc/passwd il/out && qvm-copy-to-vm --without-progress --ignore-symlinks personal il");
        approve("personal");
        Result r = copy.get();
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(incoming("personal").resolve("il/f"))).isEqualTo("kept\n");
        assertThat(Files.exists(incoming("personal").resolve("il/out"), java.nio.file.LinkOption.NOFOLLOW_LINKS))
                .isFalse();
    }

    @Test
    void linkTheReceiverWouldRefuseStopsTheCopyBeforeAnyCall() throws Exception {
        Result r = sh("work", "mkdir -p l && ln -sfn /etc/passwd l/out && qvm-copy-to-vm personal l");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("ERROR: nothing was sent");
        JsonNode calls = new AdminClient(home).call(AdminClient.request("pending")).path("calls");
        assertThat(calls).isEmpty();
    }

    @Test
    void senderKilledMidStreamLeavesNothingOnTheReceiverAndTheBrokerServesTheNextCall() throws Exception {
        assertThat(sh("work", "head -c 1500000000 /dev/zero > big").code()).isZero();
        CompletableFuture<Result> copy = inBackground("work",
                "qvm-copy-to-vm personal big & echo $! > copy.pid; wait $!");
        approve("personal");
        Path dir = incoming("personal");
        Await.within(Await.DEFAULT_LIMIT, () -> Files.isDirectory(dir));
        assertThat(dir).isDirectory();
        assertThat(sh("work", "kill -9 $(cat copy.pid)").code()).isZero();
        assertThat(copy.get().code()).isEqualTo(128 + 9);
        List<String> left = Await.last(Await.DEFAULT_LIMIT, () -> new ArrayList<>(incomingNames()), List::isEmpty);
        assertThat(left).isEmpty();
        assertThat(sh("work", "rm big copy.pid").code()).isZero();
        qvmCopyToVmAskedAndApprovedDeliversTheFiles();
    }

    @Test
    void hostCopyRunsTheCopyInTheSourceAndTellsHowToAnswerWithoutATerminal() throws Exception {
        assertThat(sh("work", "echo host > h.txt").code()).isZero();
        ProcessBuilder pb = live.airlock("copy", "work:h.txt", "personal").redirectErrorStream(true);
        Process p = pb.start();
        StringBuffer output = new StringBuffer();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (var in = new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)) {
                char[] b = new char[4096];
                for (int n; (n = in.read(b)) >= 0; ) {
                    output.append(b, 0, n);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        JsonNode call = live.waitingCall();
        assertThat(call.path("source").asText()).isEqualTo("work");
        // The hint comes once the command has seen the call; the answer waits for it (the timeout is 2 s).
        Await.within(Duration.ofMillis(1500), () -> output.toString().contains("airlock approve"));
        approve("personal");
        assertThat(p.waitFor()).isZero();
        reader.join();
        assertThat(output.toString()).contains("work wants to copy files to personal").contains("airlock approve");
        assertThat(Files.readString(incoming("personal").resolve("h.txt"))).isEqualTo("host\n");
    }
}
