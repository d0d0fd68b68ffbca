package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.DomainFolder;
import dev.airlock.domain.Label;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, as an attacker inside a domain would have it: {@code airlock remove} of a running domain must not
 * delete its files while it runs, its sandbox must not outlive the removal, and a sandbox that outlived its domain
 * anyway (the registry changed while no broker ran) must never become the next domain of that name.
 */
class RemoveRunningDomainIT {
    private static final Duration BROKER_ANSWERS = Duration.ofSeconds(30);
    private static final String CLIENT = "$JAVA_HOME/bin/java -XX:TieredStopAtLevel=1 -jar /opt/airlock/airlock.jar"
            + " qrexec-client-vm";
    private static final String MARKER = "test -e /tmp/left-by-the-old-sandbox && echo old || echo new";

    @TempDir
    Path tmp;
    private LiveDomains live;
    private Broker broker;
    private final List<Process> daemons = new ArrayList<>();
    private final List<ProcessHandle> sandboxes = new ArrayList<>();

    @AfterEach
    void stopEverything() throws InterruptedException {
        if (broker != null) {
            broker.close();
        }
        for (Process daemon : daemons) {
            daemon.destroyForcibly();
            daemon.waitFor(30, TimeUnit.SECONDS);
        }
        // A failed test may leave sandboxes behind: only bubblewraps, a pid may be another process's by now.
        for (ProcessHandle p : sandboxes) {
            if (p.isAlive() && p.info().command().orElse("").endsWith("/bwrap")) {
                SandboxPidFile.kill(p);
            }
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void removeOfARunningDomainIsRefusedAndWithForceStopsItBeforeDeletingAnything() throws Exception {
        live = LiveDomains.create(tmp, "", "attacker");
        broker = live.startBroker();
        live.start("attacker");
        assertThat(live.sh("attacker", "touch /tmp/left-by-the-old-sandbox && echo mine > kept").code()).isZero();
        ProcessHandle sandbox = sandbox("attacker");
        List<ProcessHandle> inside = sandbox.descendants().toList();
        assertThat(inside).as("the sandbox's processes").isNotEmpty();

        LiveDomains.Result refused = airlock("remove", "attacker");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).isEqualTo("ERROR: domain attacker is running: stop it first with: airlock shutdown "
                + "attacker (or remove it with --force, which stops it)\n");
        assertThat(sandbox.isAlive()).isTrue();
        assertThat(live.homeOf("attacker").resolve("kept")).hasContent("mine\n");

        LiveDomains.Result removed = airlock("remove", "--force", "attacker");
        assertThat(removed.code()).as(removed.err()).isZero();
        assertThat(sandbox.isAlive()).isFalse();
        assertThat(inside).as("no process of the domain is left").noneMatch(ProcessHandle::isAlive);
        boolean listed = live.registry().read(all -> all.get("attacker").isPresent());
        assertThat(listed).as("still in the registry").isFalse();
        assertThat(live.registry().domainFolder("attacker")).doesNotExist();
        assertThat(live.home().run().resolve("domains/attacker")).doesNotExist();
        assertThat(live.running()).doesNotContain("attacker");

        // The same name again, as in the report: the new domain starts a sandbox of its own.
        live.registry().update(all -> all.add(Domain.of("attacker", DomainClass.APP_VM, Label.RED)));
        DomainFolder.create(live.registry().domainFolder("attacker"));
        live.start("attacker");
        assertThat(sandbox("attacker").pid()).isNotEqualTo(sandbox.pid());
        assertThat(live.sh("attacker", MARKER).out()).isEqualTo("new\n");
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void removeWithoutABrokerStopsTheSandboxThatItsPidFileNames() throws Exception {
        live = LiveDomains.create(tmp, "", "attacker");
        Process daemon = daemon();
        live.start("attacker");
        ProcessHandle sandbox = sandbox("attacker");
        List<ProcessHandle> inside = sandbox.descendants().toList();
        daemon.destroyForcibly();
        assertThat(daemon.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(sandbox.isAlive()).as("the domain outlives its broker").isTrue();

        LiveDomains.Result refused = airlock("remove", "attacker");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("domain attacker is running");
        assertThat(sandbox.isAlive()).isTrue();

        LiveDomains.Result removed = airlock("remove", "--force", "attacker");
        assertThat(removed.code()).as(removed.err()).isZero();
        assertThat(sandbox.isAlive()).isFalse();
        assertThat(inside).noneMatch(ProcessHandle::isAlive);
        assertThat(live.registry().domainFolder("attacker")).doesNotExist();
        assertThat(live.home().run().resolve("domains/attacker")).doesNotExist();
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aNewBrokerKillsTheSandboxOfARemovedDomainInsteadOfAdoptingItForTheNewDomainOfItsName() throws Exception {
        live = LiveDomains.create(tmp, "", "attacker");
        Process first = daemon();
        live.start("attacker");
        assertThat(live.sh("attacker", "touch /tmp/left-by-the-old-sandbox").code()).isZero();
        ProcessHandle old = sandbox("attacker");
        List<ProcessHandle> inside = old.descendants().toList();
        first.destroyForcibly();
        assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
        // Removed and created again while no broker runs, by the registry directly: the old sandbox runs on.
        live.registry().update(all -> all.remove("attacker"));
        live.registry().update(all -> all.add(Domain.of("attacker", DomainClass.APP_VM, Label.RED)));
        assertThat(old.isAlive()).isTrue();

        daemon();
        assertThat(Await.within(Duration.ofSeconds(15), () -> !old.isAlive())).as("the old sandbox is killed").isTrue();
        assertThat(Await.within(Duration.ofSeconds(5), () -> inside.stream().noneMatch(ProcessHandle::isAlive)))
                .isTrue();
        assertThat(live.running()).doesNotContain("attacker");
        assertThat(Files.readString(tmp.resolve("daemon-1.log"), StandardCharsets.UTF_8))
                .contains("killed the sandbox of domain attacker (pid " + old.pid() + ")").contains("not adopted");

        live.start("attacker");
        assertThat(sandbox("attacker").pid()).isNotEqualTo(old.pid());
        assertThat(live.sh("attacker", MARKER).out()).isEqualTo("new\n");
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCallToADomainCreatedAgainUnderARunningBrokerNeverReachesTheOldSandbox() throws Exception {
        live = LiveDomains.create(tmp, "test.Marker * caller attacker allow\n", "caller", "attacker");
        live.service("attacker", "test.Marker", MARKER);
        broker = live.startBroker();
        live.start("caller", "attacker");
        assertThat(live.sh("attacker", "touch /tmp/left-by-the-old-sandbox").code()).isZero();
        ProcessHandle old = sandbox("attacker");
        // Changed behind the broker's back, by the registry directly.
        live.registry().update(all -> all.remove("attacker"));
        live.registry().update(all -> all.add(Domain.of("attacker", DomainClass.APP_VM, Label.RED)));

        LiveDomains.Result call = live.sh("caller", CLIENT + " attacker test.Marker");

        assertThat(call.code()).as(call.err()).isZero();
        assertThat(call.out()).isEqualTo("new\n");
        assertThat(old.isAlive()).as("the old sandbox was stopped").isFalse();
    }

    /**
     * The outcome of a call's autostart slipping in while {@code remove} ran: the removed domain's sandbox still
     * runs when a new domain gets its name. Its calls must not pass as the new domain's.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aSandboxThatOutlivedItsDomainCannotCallAsTheNewDomainOfItsName() throws Exception {
        live = LiveDomains.create(tmp, "test.Marker * attacker victim allow\n", "attacker", "victim");
        live.service("victim", "test.Marker", "echo reached");
        broker = live.startBroker();
        live.start("attacker", "victim");
        assertThat(live.sh("attacker", CLIENT + " victim test.Marker").out()).isEqualTo("reached\n");
        CompletableFuture<LiveDomains.Result> late = CompletableFuture.supplyAsync(() -> {
            try {
                return live.sh("attacker", "touch waiting; while [ ! -e go ]; do sleep 0.1; done; " + CLIENT
                        + " victim test.Marker");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertThat(Await.within(Duration.ofSeconds(30), () -> Files.exists(live.homeOf("attacker").resolve("waiting"))))
                .as("the old sandbox waits to call").isTrue();
        // Changed behind the broker's back, as the race leaves it: the old sandbox runs on.
        live.registry().update(all -> all.remove("attacker"));
        live.registry().update(all -> all.add(Domain.of("attacker", DomainClass.APP_VM, Label.RED)));
        Files.writeString(live.homeOf("attacker").resolve("go"), "");

        LiveDomains.Result call = late.get(2, TimeUnit.MINUTES);

        assertThat(call.code()).as(call.out()).isNotZero();
        assertThat(call.out()).doesNotContain("reached");
        assertThat(call.err()).contains("no longer in the registry");
    }

    private ProcessHandle sandbox(String name) throws IOException {
        ProcessHandle p = ProcessHandle.of(live.sandboxPid(name)).orElseThrow();
        sandboxes.add(p);
        return p;
    }

    /** The packaged {@code airlock} with {@code args}, within a minute. */
    private LiveDomains.Result airlock(String... args) throws Exception {
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        Process p = live.airlock(args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("airlock %s ended", List.of(args)).isTrue();
        return new LiveDomains.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** {@code airlock daemon} as a child process, once it answers. */
    private Process daemon() throws IOException, InterruptedException {
        return live.daemon(tmp.resolve("daemon-" + daemons.size() + ".log"), BROKER_ANSWERS, daemons::add);
    }
}
