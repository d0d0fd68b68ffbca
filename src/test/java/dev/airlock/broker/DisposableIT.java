package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.agent.Caller;
import dev.airlock.broker.LiveDomains.Result;
import dev.airlock.contract.BuiltInService;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.QrexecNames;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.qrexec.Wire;
import dev.airlock.testing.Await;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calls to {@code @dispvm} end to end: a broker in this process with a pool of one, a caller domain {@code work}
 * whose default disposable template is {@code dvm}, real disposables in bubblewrap sandboxes. Each disposable must be
 * gone (registry, disk, processes) once its call ends, however it ends.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DisposableIT {
    private static final String CLIENT = "$JAVA_HOME/bin/java -XX:TieredStopAtLevel=1 -jar /opt/airlock/airlock.jar"
            + " qrexec-client-vm";
    private static final String POLICY = """
            test.Probe  *  work  @dispvm      allow
            test.Probe  *  work  @dispvm:dvm  allow
            test.Hold   *  work  @dispvm      allow
            test.Asked  *  work  @dispvm      ask
            test.Fill   *  work  @dispvm      allow
            test.Named  *  work  @anyvm       allow
            test.AskAny *  work  @anyvm       ask
            test.Probe  *  @anyvm @anyvm      deny
            """;
    private static final String DISP = "disp[0-9]{1,4}";
    /** What a disposable may write in its home here, and in each of /tmp, /run and /dev/shm; one file per 4 KiB. */
    private static final long HOME_LIMIT = 32L << 20;

    private LiveDomains live;
    private AirlockHome home;
    private Registry registry;
    private Broker broker;

    @BeforeAll
    void start(@TempDir Path tmp) throws IOException {
        live = LiveDomains.create(tmp, POLICY,
                Domain.of("dvm", DomainClass.APP_VM, Label.GRAY).withTemplateForDispvms(true),
                Domain.of("work", DomainClass.APP_VM, Label.RED).withDefaultDispvm("dvm"));
        home = live.home();
        registry = live.registry();
        live.service("dvm", "test.Probe", "echo \"$(hostname) $(cat template.txt)\"; echo mine > written.txt; "
                + "echo changed > template.txt; cat template.txt written.txt");
        // Holds its disposable until it is killed; "$1" makes its sleep findable on the host.
        live.service("dvm", "test.Hold", "hostname; exec sleep \"$1\"");
        live.service("dvm", "test.Asked", "hostname");
        live.service("dvm", "test.Named", "echo planted > planted.txt; hostname");
        // "true", not ":": a failed redirection of a special built-in ends the shell.
        live.service("dvm", "test.Fill", "dd if=/dev/zero of=big bs=1M count=64 2>/dev/null; "
                + "dd if=/dev/zero of=/tmp/big bs=1M count=64 2>/dev/null; "
                + "for d in /run /dev/shm; do dd if=/dev/zero of=$d/big bs=1M count=64 2>/dev/null; done; "
                + "echo \"$(stat -c %s big) $(stat -c %s /tmp/big) $(stat -c %s /run/big)"
                + " $(stat -c %s /dev/shm/big)\"; "
                + "rm big; i=0; "
                + "while [ $i -lt 20000 ] && true > f$i 2>/dev/null; do i=$((i+1)); done; echo $i");
        Broker.Settings defaults = live.settings(Broker.DEFAULT_ASK_TIMEOUT);
        broker = Broker.start(new Broker.Settings(home, defaults.policyDirectory(), defaults.installDir(),
                defaults.jdkHome(), defaults.askTimeout(), 1, HOME_LIMIT));
        // The template's files are its own user's, as when a person sets it up by running it.
        assertThat(live.sh("dvm", "echo 'from the template' > template.txt").code()).isZero();
        new AdminClient(home).call(AdminClient.request("shutdown").put("domain", "dvm"));
        new AdminClient(home).call(AdminClient.request("start").put("domain", "work"));
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    /** A call made on {@code work}'s socket, as a tool inside {@code work} makes it. */
    private Result callAsWork(String target, String service, String stdin) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Caller.Outcome o = Caller.call(live.socketOf("work"), target, serviceCall(service),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err);
        return new Result(o.exitCode(), out.toString(StandardCharsets.UTF_8),
                o.refusal().orElse(err.toString(StandardCharsets.UTF_8)));
    }

    private static ServiceCall serviceCall(String service) {
        int plus = service.indexOf('+');
        return plus < 0 ? new ServiceCall(service, "") : new ServiceCall(service.substring(0, plus),
                service.substring(plus + 1));
    }

    /** {@code airlock run work -- sh -c SCRIPT}. */
    private Result runInWork(String script) throws IOException {
        return live.sh("work", script);
    }

    private static String hostnameIn(Result r) {
        String first = r.out().lines().findFirst().orElse("");
        return first.split(" ")[0];
    }

    @Test
    void disposableWritesNeverReachTheTemplate() throws Exception {
        Result r = callAsWork("@dispvm", "test.Probe", "");
        assertThat(r.code()).as(r.err()).isZero();
        String name = hostnameIn(r);
        assertThat(name).matches(DISP);
        // The template's home shows through; what the disposable writes stays in its own layer.
        assertThat(r.out()).isEqualTo(name + " from the template\nchanged\nmine\n");
        Path templateHome = registry.domainFolder("dvm").resolve("home");
        assertThat(Files.readString(templateHome.resolve("template.txt"))).isEqualTo("from the template\n");
        assertThat(templateHome.resolve("written.txt")).doesNotExist();
        assertGone(name);
        // The next disposable starts from the template again, not from what the last one wrote.
        Result again = callAsWork("@dispvm:dvm", "test.Probe", "");
        assertThat(again.out()).startsWith(hostnameIn(again) + " from the template\n");
        assertThat(hostnameIn(again)).isNotEqualTo(name);
    }

    @Test
    void callFromInsideADomainRunsInAFreshDisposableThatIsGoneAfterwards() throws Exception {
        Result r = runInWork(CLIENT + " @dispvm test.Probe");
        assertThat(r.code()).as(r.err()).isZero();
        String name = hostnameIn(r);
        assertThat(name).matches(DISP);
        assertThat(new AuditLog(home.auditLog()).read(e -> name.equals(e.target()) && "allow".equals(e.outcome())))
                .singleElement().satisfies(e -> {
                    assertThat(e.source()).isEqualTo("work");
                    assertThat(e.detail()).contains("disposable " + name + " of dvm");
                });
        assertGone(name);
        // A caller that is done closes its request connection a moment before the service's end is reported: the
        // call is recorded as ended by the service, not as left by its caller.
        Await.until("the end of the call is recorded", () -> !audited(name, "ended").isEmpty());
        assertThat(audited(name, "ended")).singleElement().extracting(AuditLog.Entry::detail)
                .isEqualTo("the service exited with 0");
        assertThat(audited(name, "caller-gone")).isEmpty();
    }

    private List<AuditLog.Entry> audited(String target, String outcome) {
        try {
            return new AuditLog(home.auditLog()).read(e -> target.equals(e.target()) && outcome.equals(e.outcome()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void disposableIsTaggedWithItsCallerOnlyWhenTaken() throws Exception {
        String pooled = live.awaitPooled();
        assertThat(registry.read(d -> d.require(pooled)).tags()).isEmpty();
        try (Caller.Call call = Caller.connect(live.socketOf("work"), "@dispvm", serviceCall("test.Hold+602"))) {
            String name = firstLine(call);
            Domain d = registry.read(all -> all.require(name));
            assertThat(d.domainClass()).isEqualTo(DomainClass.DISP_VM);
            assertThat(d.template()).isEqualTo("dvm");
            assertThat(d.tags()).containsExactly("created-by-work");
            assertThat(name).isEqualTo(pooled);
        }
    }

    @Test
    void disposableCannotFillTheHostsMemoryBeyondItsLimits() throws Exception {
        Result r = callAsWork("@dispvm", "test.Fill", "");
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(2);
        // Home, /tmp, /run and /dev/shm: each is the host's memory, and each is bounded.
        assertThat(lines.get(0).split(" ")).hasSize(4);
        for (String bytes : lines.get(0).split(" ")) {
            assertThat(Long.parseLong(bytes)).isPositive().isLessThanOrEqualTo(HOME_LIMIT);
        }
        assertThat(Integer.parseInt(lines.get(1))).isPositive().isLessThanOrEqualTo((int) (HOME_LIMIT / 4096));
    }

    @Test
    void pooledDisposableCannotBeCalledByNameToPlantSomethingForItsNextCaller() throws Exception {
        String pooled = live.awaitPooled();
        Result r = callAsWork(pooled, "test.Named", "");
        assertThat(r.code()).isEqualTo(Wire.EXIT_REFUSED);
        assertThat(r.err()).contains("waiting in the pool");
        // Nor is it offered when the policy asks about every domain.
        CompletableFuture<Result> asked = CompletableFuture.supplyAsync(() -> {
            try {
                return callAsWork("@default", "test.AskAny", "");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        JsonNode waiting = live.waitingCall();
        assertThat(waiting.path("targets")).extracting(JsonNode::asText).contains("dvm").doesNotContain(pooled);
        new AdminClient(home).call(AdminClient.request("deny").put("id", waiting.path("id").asInt()));
        assertThat(asked.get().code()).isEqualTo(Wire.EXIT_REFUSED);
        Result taken = callAsWork("@dispvm", "test.Probe", "");
        assertThat(hostnameIn(taken)).isEqualTo(pooled);
        // Once given to a call it is a domain like any other, reachable by name where the policy allows it.
        try (Caller.Call held = Caller.connect(live.socketOf("work"), "@dispvm", serviceCall("test.Hold+606"))) {
            String name = firstLine(held);
            assertThat(callAsWork(name, "test.Named", "").out()).isEqualTo(name + "\n");
        }
    }

    @Test
    void callerThatDiesTakesItsDisposableWithIt() throws Exception {
        String name;
        try (Caller.Call call = Caller.connect(live.socketOf("work"), "@dispvm", serviceCall("test.Hold+601"))) {
            name = firstLine(call);
            Await.until("the service's sleep runs", () -> !sandboxProcesses("sleep\0" + "601\0").isEmpty());
            // Closing its connections without the end of input is what the kernel does for a caller that dies.
        }
        assertGone(name);
        assertThat(sandboxProcesses("sleep\0" + "601\0")).isEmpty();
        // The disposable's agent ends the service as soon as the call's connection is gone (SIGTERM: 143); its
        // report usually reaches the broker within the second the broker waits after the request connection
        // ended, and the call is then recorded as ended, else as its caller gone.
        Await.until("the call's end is recorded",
                () -> !audited(name, "caller-gone").isEmpty() || !audited(name, "ended").isEmpty());
        if (audited(name, "caller-gone").isEmpty()) {
            assertThat(audited(name, "ended")).singleElement().extracting(AuditLog.Entry::detail)
                    .isEqualTo("the service exited with 143");
        } else {
            assertThat(audited(name, "caller-gone")).singleElement().extracting(AuditLog.Entry::detail)
                    .asString().contains("closed its request connection");
        }
    }

    @Test
    void callerWhoseRequestConnectionEndsLosesItsDisposableEvenWithTheCallsConnectionOpen() throws Exception {
        try (Caller.Call call = Caller.connect(live.socketOf("work"), "@dispvm", serviceCall("test.Hold+607"))) {
            String name = firstLine(call);
            Await.until("the service's sleep runs", () -> !sandboxProcesses("sleep\0" + "607\0").isEmpty());
            // The broker is not on the call's own connection: the request connection is what it watches.
            call.request().close();
            assertGone(name);
            assertThat(sandboxProcesses("sleep\0" + "607\0")).isEmpty();
            MessageReader in = new MessageReader(call.data());
            for (Optional<dev.airlock.qrexec.Message> m = in.read(); m.isPresent(); m = in.read()) {
                assertThat(m.get()).isNotInstanceOf(dev.airlock.qrexec.Message.ExitCode.class);
            }
        }
    }

    @Test
    void killedCallerInsideTheDomainTakesItsDisposableWithIt() throws Exception {
        CompletableFuture<Result> call = CompletableFuture.supplyAsync(() -> {
            try {
                return runInWork(CLIENT + " @dispvm test.Hold+603 & echo $! > /tmp/client.pid; wait $!");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Await.until("the service's sleep runs", () -> !sandboxProcesses("sleep\0" + "603\0").isEmpty());
        String name = new AuditLog(home.auditLog()).read(e -> "test.Hold".equals(e.service())
                && "603".equals(e.argument()) && "allow".equals(e.outcome())).getFirst().target();
        assertThat(runInWork("kill -KILL $(cat /tmp/client.pid)").code()).isZero();
        assertThat(call.get().code()).isEqualTo(128 + 9);
        assertGone(name);
        assertThat(sandboxProcesses("sleep\0" + "603\0")).isEmpty();
    }

    @Test
    void hostCallerThatGoesAwayFromTheRelayIsRecorded() throws Exception {
        var request = AdminClient.request("run").put("domain", "work");
        request.putArray("argv").add("sh").add("-c").add("while :; do echo relayed-608; sleep 0.05; done");
        try (var ch = new AdminClient(home).openStream(request)) {
            MessageReader in = new MessageReader(ch);
            assertThat(in.require()).isInstanceOf(dev.airlock.qrexec.Message.Data.class);
        }
        Await.until("the relay records its caller's loss", () -> !audited("work", "caller-gone").isEmpty());
        assertThat(audited("work", "caller-gone")).singleElement().satisfies(e -> {
            assertThat(e.source()).isEqualTo(QrexecNames.HOST);
            assertThat(e.service()).isEqualTo(BuiltInService.RUN.serviceName());
        });
        // Its output has nowhere to go: the command ends at its next write.
        Await.until("the command in work ends", () -> sandboxProcesses("do echo relayed-608;").isEmpty());
    }

    @Test
    void askedDisposableCallRunsOnlyWhenApproved() throws Exception {
        CompletableFuture<Result> approved = inBackground("test.Asked");
        JsonNode waiting = live.waitingCall();
        assertThat(waiting.path("targets")).extracting(JsonNode::asText).containsExactly("@dispvm:dvm");
        new AdminClient(home).call(AdminClient.request("approve").put("id", waiting.path("id").asInt())
                .put("target", "@dispvm:dvm"));
        Result r = approved.get();
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).matches(DISP);
        assertGone(r.out().strip());

        awaitNoneTakenByWork();
        CompletableFuture<Result> denied = inBackground("test.Asked");
        new AdminClient(home).call(AdminClient.request("deny").put("id", live.waitingCall().path("id").asInt()));
        assertThat(denied.get().code()).isEqualTo(Wire.EXIT_REFUSED);
        assertThat(takenByWork()).isEmpty();
    }

    @Test
    void deniedDisposableCallMakesNoDisposable() throws Exception {
        awaitNoneTakenByWork();
        Result r = callAsWork("@dispvm", "test.Unlisted", "");
        assertThat(r.code()).isEqualTo(Wire.EXIT_REFUSED);
        assertThat(takenByWork()).isEmpty();
    }

    @Test
    void secondCallIsServedFromThePool() throws Exception {
        callAsWork("@dispvm", "test.Probe", "");
        String pooled = live.awaitPooled();
        Result r = callAsWork("@dispvm", "test.Probe", "");
        assertThat(hostnameIn(r)).isEqualTo(pooled);
        assertThat(audited(pooled, "allow")).singleElement()
                .extracting(AuditLog.Entry::detail).asString().endsWith("from the pool");
        assertGone(pooled);
    }

    @Test
    void concurrentCallsGetDifferentDisposables() throws Exception {
        try (Caller.Call first = Caller.connect(live.socketOf("work"), "@dispvm", serviceCall("test.Hold+604"));
             Caller.Call second = Caller.connect(live.socketOf("work"), "@dispvm", serviceCall("test.Hold+604"))) {
            String a = firstLine(first);
            String b = firstLine(second);
            assertThat(a).matches(DISP);
            assertThat(b).matches(DISP).isNotEqualTo(a);
        }
    }

    private CompletableFuture<Result> inBackground(String service) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return callAsWork("@dispvm", service, "");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The first line of the service's output on a call's data connection (test.Hold prints its hostname). */
    static String firstLine(Caller.Call call) throws IOException {
        StringBuilder b = new StringBuilder();
        MessageReader in = new MessageReader(call.data());
        for (Optional<dev.airlock.qrexec.Message> m = in.read(); m.isPresent(); m = in.read()) {
            if (m.get() instanceof dev.airlock.qrexec.Message.Data d) {
                b.append(new String(d.bytes(), StandardCharsets.UTF_8));
                if (b.indexOf("\n") >= 0) {
                    return b.substring(0, b.indexOf("\n"));
                }
            }
        }
        throw new AssertionError("the service ended without a line: " + b);
    }

    /** The disposables taken by calls from {@code work} that are not destroyed yet. */
    private List<String> takenByWork() throws IOException {
        return registry.read(all -> all.all().stream().filter(d -> d.domainClass() == DomainClass.DISP_VM
                && d.tags().contains("created-by-work")).map(Domain::name).toList());
    }

    /** Earlier tests' disposables are destroyed when their calls end, which may be just after the test. */
    private void awaitNoneTakenByWork() throws InterruptedException {
        Await.until("earlier disposables are gone", () -> {
            try {
                return takenByWork().isEmpty();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Gone from the registry, from the disk (run folder, domain folder) and from the process table. */
    private void assertGone(String name) throws Exception {
        Path run = home.run().resolve("domains").resolve(name);
        Await.until(name + " is gone", () -> {
            try {
                return registry.read(all -> all.get(name)).isEmpty() && !Files.exists(run)
                        && sandboxProcesses("--hostname\0" + name + "\0").isEmpty();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertThat(registry.domainFolder(name)).doesNotExist();
    }

    /** The pids of the host's processes whose command line contains {@code part} (NUL-separated arguments). */
    static List<Long> sandboxProcesses(String part) {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : procs) {
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (cmdline.contains(part)) {
                        pids.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException e) {
                    // Gone meanwhile.
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pids;
    }
}
