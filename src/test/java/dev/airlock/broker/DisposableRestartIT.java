package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.agent.Caller;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.testing.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
        LiveDomains live = LiveDomains.create(tmp, "test.Hold  *  work  @dispvm  allow\n",
                Domain.of("dvm", DomainClass.APP_VM, Label.GRAY).withTemplateForDispvms(true),
                Domain.of("work", DomainClass.APP_VM, Label.RED).withDefaultDispvm("dvm"));
        home = live.home();
        Registry registry = live.registry();
        live.service("dvm", "test.Hold", "hostname\nexec sleep 605");

        daemon = startDaemon(live);
        new AdminClient(home).call(AdminClient.request("start").put("domain", "work"));
        Path socket = home.run().resolve("domains/work/channel/agent.sock");
        String inCall;
        try (Caller.Call call = Caller.connect(socket, "@dispvm", new ServiceCall("test.Hold", ""))) {
            inCall = DisposableIT.firstLine(call);
            String pooled = live.awaitPooled();
            assertThat(registry.read(all -> all.require(inCall)).tags()).containsExactly("created-by-work");
            daemon.destroyForcibly().waitFor();
            // Still there: a broker that dies takes nothing with it.
            assertThat(DisposableIT.sandboxProcesses("--hostname\0" + inCall + "\0")).isNotEmpty();
            assertThat(DisposableIT.sandboxProcesses("--hostname\0" + pooled + "\0")).isNotEmpty();
            Optional<Domain> stillListed = registry.read(all -> all.get(pooled));
            assertThat(stillListed).isPresent();

            daemon = startDaemon(live);
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
            assertThat(DisposableIT.firstLine(call)).matches("disp[0-9]{1,4}").isNotEqualTo(inCall);
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

    private Process startDaemon(LiveDomains live) throws Exception {
        ProcessBuilder pb = live.airlock("daemon")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("daemon.log").toFile()));
        pb.environment().put(Broker.POOL_SIZE_VARIABLE, "1");
        Process p = pb.start();
        AdminClient admin = new AdminClient(home);
        Await.within(Duration.ofSeconds(15), () -> {
            assertThat(p.isAlive()).as("the daemon runs: %s", log()).isTrue();
            return admin.isRunning();
        });
        assertThat(admin.isRunning()).as("the daemon answers: %s", log()).isTrue();
        return p;
    }

    private String log() throws IOException {
        Path log = tmp.resolve("daemon.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }
}
