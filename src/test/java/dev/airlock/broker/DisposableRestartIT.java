package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.agent.Caller;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.DomainFolder;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.sandbox.BwrapCheck;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker killed with SIGKILL leaves its disposables running (they are in sessions of their own, like every
 * domain); the next broker destroys them before anything else, in the registry, on disk and in the process table.
 * The brokers are real {@code airlock daemon} processes of the packaged jar.
 */
class DisposableRestartIT {
    @TempDir
    Path tmp;
    private AirlockHome home;
    private Process daemon;

    @AfterEach
    void stopDaemon() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            new AdminClient(home).call(AdminClient.request("stop"));
            daemon.waitFor();
        }
    }

    @Test
    void disposablesOfAKilledBrokerAreDestroyedByTheNextOne() throws Exception {
        BwrapCheck.Result check = BwrapCheck.check();
        assumeTrue(check instanceof BwrapCheck.Ready, "sandboxes cannot run here: " + check.message());
        Path install = Path.of("target").toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(install.resolve("airlock.jar")), "target/airlock.jar is not built yet");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        home = new AirlockHome(tmp.resolve("home"));
        Path config = tmp.resolve("config");
        Files.createDirectories(config.resolve("policy.d"));
        Files.writeString(config.resolve("policy.d/30-test.policy"), "test.Hold  *  work  @dispvm  allow\n");
        Registry registry = Registry.open(home.root());
        registry.update(d -> d.add(Domain.of("dvm", DomainClass.APP_VM, Label.GRAY).withTemplateForDispvms(true))
                .add(Domain.of("work", DomainClass.APP_VM, Label.RED).withDefaultDispvm("dvm")));
        DomainFolder.create(registry.domainFolder("work"));
        DomainFolder.create(registry.domainFolder("dvm"));
        Path services = Files.createDirectories(registry.domainFolder("dvm").resolve("qubes-rpc"));
        Path hold = Files.writeString(services.resolve("test.Hold"), "#!/bin/sh\nhostname\nexec sleep 605\n");
        Files.setPosixFilePermissions(hold, PosixFilePermissions.fromString("rwxr-xr-x"));

        daemon = startDaemon(install, config);
        new AdminClient(home).call(AdminClient.request("start").put("domain", "work"));
        Path socket = home.run().resolve("domains/work/channel/agent.sock");
        String inCall;
        try (Caller.Call call = Caller.connect(socket, "@dispvm", new ServiceCall("test.Hold", ""))) {
            inCall = firstLine(call);
            String pooled = awaitPooled();
            assertThat(registry.read(all -> all.require(inCall)).tags()).containsExactly("created-by-work");
            daemon.destroyForcibly().waitFor();
            // Still there: a broker that dies takes nothing with it.
            assertThat(DisposableIT.sandboxProcesses("--hostname\0" + inCall + "\0")).isNotEmpty();
            assertThat(DisposableIT.sandboxProcesses("--hostname\0" + pooled + "\0")).isNotEmpty();
            Optional<Domain> stillListed = registry.read(all -> all.get(pooled));
            assertThat(stillListed).isPresent();

            daemon = startDaemon(install, config);
            for (String name : List.of(inCall, pooled)) {
                Optional<Domain> listed = registry.read(all -> all.get(name));
                assertThat(listed).isEmpty();
                assertThat(home.run().resolve("domains").resolve(name)).doesNotExist();
                assertThat(DisposableIT.sandboxProcesses("--hostname\0" + name + "\0")).isEmpty();
            }
            assertThat(DisposableIT.sandboxProcesses("sleep\0" + "605\0")).isEmpty();
            assertThat(new AuditLog(home.auditLog()).read(e -> "destroyed".equals(e.outcome())))
                    .extracting(AuditLog.Entry::target).contains(inCall, pooled);
        }
        // The adopted work still runs, and the new broker makes disposables of its own.
        try (Caller.Call call = Caller.connect(socket, "@dispvm", new ServiceCall("test.Hold", ""))) {
            assertThat(firstLine(call)).matches("disp[0-9]{1,4}").isNotEqualTo(inCall);
        }
        new AdminClient(home).call(AdminClient.request("stop"));
        daemon.waitFor();
        // airlock down leaves no disposable behind either.
        List<Domain> disposables = registry.read(all -> all.all().stream()
                .filter(d -> d.domainClass() == DomainClass.DISP_VM).toList());
        assertThat(disposables).isEmpty();
        try (var left = Files.list(home.run().resolve("domains"))) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.matches("disp[0-9]+"));
        }
    }

    private Process startDaemon(Path install, Path config) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", install.resolve("airlock.jar").toString(), "daemon")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("daemon.log").toFile()));
        pb.environment().put("AIRLOCK_HOME", home.root().toString());
        pb.environment().put("AIRLOCK_CONFIG", config.toString());
        pb.environment().put(Broker.POOL_SIZE_VARIABLE, "1");
        Process p = pb.start();
        AdminClient admin = new AdminClient(home);
        for (int i = 0; i < 300 && !admin.isRunning(); i++) {
            assertThat(p.isAlive()).as("the daemon runs: %s", log()).isTrue();
            Thread.sleep(50);
        }
        assertThat(admin.isRunning()).as("the daemon answers: %s", log()).isTrue();
        return p;
    }

    private String log() throws IOException {
        Path log = tmp.resolve("daemon.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private String awaitPooled() throws Exception {
        for (int i = 0; i < 600; i++) {
            JsonNode pooled = new AdminClient(home).call(AdminClient.request("running")).path("pooled");
            if (!pooled.isEmpty()) {
                return pooled.get(0).asText();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the pool stayed empty");
    }

    private static String firstLine(Caller.Call call) throws IOException {
        StringBuilder b = new StringBuilder();
        MessageReader in = new MessageReader(call.data());
        for (Optional<Message> m = in.read(); m.isPresent(); m = in.read()) {
            if (m.get() instanceof Message.Data d) {
                b.append(new String(d.bytes(), StandardCharsets.UTF_8));
                if (b.indexOf("\n") >= 0) {
                    return b.substring(0, b.indexOf("\n"));
                }
            }
        }
        throw new AssertionError("the service ended without a line: " + b);
    }
}
