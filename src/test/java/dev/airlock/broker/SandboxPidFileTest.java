package dev.airlock.broker;

import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;
import dev.airlock.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sandbox that outlived its domain must never become the next domain of that name (issue 10): the pid file
 * carries the uuid of the domain the sandbox was started for, and a broker adopts a sandbox only for the domain
 * that has that uuid in the registry now; any other is killed.
 */
class SandboxPidFileTest {
    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(p -> p.toHandle().destroyForcibly());
    }

    /** A process that looks like the bubblewrap of {@code name} to the pid-file check (its argv[0] and hostname). */
    private ProcessHandle fakeSandbox(String name) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", "exec -a /usr/bin/bwrap sh -c 'sleep 60; :' sh --hostname "
                + name).start();
        started.add(p);
        ProcessHandle h = p.toHandle();
        Await.within(Await.DEFAULT_LIMIT, () -> SandboxPidFile.sandboxOf(name, h.pid()).isPresent());
        assertThat(SandboxPidFile.sandboxOf(name, h.pid())).as("the fake sandbox is recognised").isPresent();
        return h;
    }

    private DomainRunner runner(AirlockHome home, Registry registry) {
        return new DomainRunner(home, registry, tmp.resolve("install"), tmp.resolve("jdk"), (d, ch) -> { }, 1 << 20);
    }

    @Test
    void writtenPidAndUuidAreReadBack() throws IOException {
        UUID uuid = UUID.randomUUID();
        SandboxPidFile.write(tmp, 4242, uuid);

        assertThat(SandboxPidFile.read(SandboxPidFile.in(tmp)))
                .contains(new SandboxPidFile.Content(4242, Optional.of(uuid)));
        try (var left = Files.list(tmp)) {
            assertThat(left).containsExactly(SandboxPidFile.in(tmp));
        }
    }

    @Test
    void aPidFileFromBeforeUuidsBelongsToNoDomain() throws IOException {
        Files.writeString(SandboxPidFile.in(tmp), "4242\n");

        assertThat(SandboxPidFile.read(SandboxPidFile.in(tmp)))
                .contains(new SandboxPidFile.Content(4242, Optional.empty()));
    }

    @Test
    void aMalformedOversizedOrLinkedPidFileIsNoneOfOurs() throws IOException {
        Path pid = SandboxPidFile.in(tmp);
        for (String bad : List.of("", "x\n", "1\n", "-5\n", "12\n" + UUID.randomUUID() + "x\n", "7".repeat(200))) {
            Files.writeString(pid, bad);
            assertThat(SandboxPidFile.read(pid)).as(bad).isEmpty();
        }
        Files.delete(pid);
        Path elsewhere = Files.writeString(tmp.resolve("elsewhere"), "4242\n" + UUID.randomUUID() + "\n");
        Files.createSymbolicLink(pid, elsewhere);
        assertThat(SandboxPidFile.read(pid)).isEmpty();
    }

    @Test
    void aSandboxLeftByARemovedDomainIsKilledNotAdoptedByTheNewDomainOfItsName() throws Exception {
        AirlockHome home = new AirlockHome(tmp.resolve("home"));
        home.ensureCreated();
        Registry registry = Registry.open(home.root());
        UUID removed = UUID.randomUUID();
        registry.update(all -> all.add(Domain.of("attacker", DomainClass.APP_VM, Label.RED)));
        ProcessHandle old = fakeSandbox("attacker");
        Path folder = Files.createDirectories(home.run().resolve("domains/attacker"));
        SandboxPidFile.write(folder, old.pid(), removed);

        try (DomainRunner runner = runner(home, registry)) {
            runner.adopt();

            assertThat(runner.names()).doesNotContain("attacker");
            assertThat(old.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
            assertThat(SandboxPidFile.in(folder)).doesNotExist();
        }
    }

    @Test
    void aSandboxRecordedWithoutAUuidIsKilledNotAdopted() throws Exception {
        AirlockHome home = new AirlockHome(tmp.resolve("home"));
        home.ensureCreated();
        Registry registry = Registry.open(home.root());
        registry.update(all -> all.add(Domain.of("work", DomainClass.APP_VM, Label.RED)));
        ProcessHandle old = fakeSandbox("work");
        Path folder = Files.createDirectories(home.run().resolve("domains/work"));
        Files.writeString(SandboxPidFile.in(folder), old.pid() + "\n");

        try (DomainRunner runner = runner(home, registry)) {
            runner.adopt();

            assertThat(runner.names()).doesNotContain("work");
            assertThat(old.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
        }
    }

    @Test
    void theSandboxOfTheDomainTheRegistryHoldsIsAdopted() throws Exception {
        AirlockHome home = new AirlockHome(tmp.resolve("home"));
        home.ensureCreated();
        Registry registry = Registry.open(home.root());
        registry.update(all -> all.add(Domain.of("work", DomainClass.APP_VM, Label.RED)));
        UUID uuid = registry.read(all -> all.require("work").uuid());
        ProcessHandle sandbox = fakeSandbox("work");
        Path folder = Files.createDirectories(home.run().resolve("domains/work"));
        SandboxPidFile.write(folder, sandbox.pid(), uuid);

        try (DomainRunner runner = runner(home, registry)) {
            runner.adopt();

            assertThat(runner.names()).containsExactly("work");
            assertThat(runner.hasSandbox("work")).isTrue();
            assertThat(sandbox.isAlive()).isTrue();
        }
        assertThat(sandbox.onExit().get(10, TimeUnit.SECONDS).isAlive()).as("stopped with the runner").isFalse();
    }

    @Test
    void writtenStartIsTheProcesssOwnAndReadBack() throws Exception {
        ProcessHandle sandbox = fakeSandbox("work");
        SandboxPidFile.write(tmp, sandbox.pid(), UUID.randomUUID());

        Optional<SandboxPidFile.Content> read = SandboxPidFile.read(SandboxPidFile.in(tmp));

        assertThat(read).isPresent();
        assertThat(read.get().started()).isPresent().isEqualTo(SandboxPidFile.startTicks(sandbox.pid()));
        assertThat(SandboxPidFile.sandboxOf("work", read.get())).contains(sandbox);
    }

    /**
     * The sandbox recorded in the pid file ended while no broker ran, and a domain's process got its pid: a
     * process can give itself bubblewrap's command line with the other domain's name, but not its start.
     */
    @Test
    void aProcessThatGotARecordedSandboxsPidIsNotAdoptedWhateverItsCommandLineSays() throws Exception {
        AirlockHome home = new AirlockHome(tmp.resolve("home"));
        home.ensureCreated();
        Registry registry = Registry.open(home.root());
        registry.update(all -> all.add(Domain.of("victim", DomainClass.APP_VM, Label.RED)));
        UUID uuid = registry.read(all -> all.require("victim").uuid());
        ProcessHandle impostor = fakeSandbox("victim");
        long sandboxStart = SandboxPidFile.startTicks(impostor.pid()).orElseThrow() - 100;
        Path folder = Files.createDirectories(home.run().resolve("domains/victim"));
        Files.writeString(SandboxPidFile.in(folder), impostor.pid() + "\n" + uuid + "\n" + sandboxStart + "\n");

        assertThat(SandboxPidFile.live(home, "victim")).isEmpty();
        try (DomainRunner runner = runner(home, registry)) {
            runner.adopt();

            assertThat(runner.names()).doesNotContain("victim");
            assertThat(impostor.isAlive()).as("not the broker's to kill either").isTrue();
        }
    }
}
