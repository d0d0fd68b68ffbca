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
import dev.airlock.qrexec.MessageReader;
import dev.airlock.sandbox.BwrapCheck;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker that dies leaves its domains running, and the next one adopts them: the same sandboxes (a file in their
 * private {@code /tmp} is still there), whose agents reconnect. Real domains, as in {@link CallPathIT}.
 */
class BrokerRestartIT {
    private static final String CLIENT = "$JAVA_HOME/bin/java -XX:TieredStopAtLevel=1 -jar /opt/airlock/airlock.jar"
            + " qrexec-client-vm";

    @TempDir
    Path tmp;
    private AirlockHome home;

    /** What a command ended with. */
    private record Result(int code, String out) {
    }

    @Test
    void restartedBrokerAdoptsTheRunningDomains() throws Exception {
        BwrapCheck.Result check = BwrapCheck.check();
        assumeTrue(check instanceof BwrapCheck.Ready, "sandboxes cannot run here: " + check.message());
        Path install = Path.of("target").toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(install.resolve("airlock.jar")), "target/airlock.jar is not built yet");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        home = new AirlockHome(tmp.resolve("home"));
        Path policy = Files.createDirectories(tmp.resolve("config/policy.d"));
        Files.writeString(policy.resolve("30-test.policy"), "test.Whoami  *  work  personal  allow\n");
        Registry registry = Registry.open(home.root());
        registry.update(d -> d.add(Domain.of("work", DomainClass.APP_VM, Label.RED))
                .add(Domain.of("personal", DomainClass.APP_VM, Label.GREEN)));
        DomainFolder.create(registry.domainFolder("work"));
        DomainFolder.create(registry.domainFolder("personal"));
        Path services = Files.createDirectories(registry.domainFolder("personal").resolve("qubes-rpc"));
        Path whoami = Files.writeString(services.resolve("test.Whoami"), "#!/bin/sh\necho $QREXEC_REMOTE_DOMAIN\n");
        Files.setPosixFilePermissions(whoami, PosixFilePermissions.fromString("rwxr-xr-x"));
        Broker.Settings settings = new Broker.Settings(home, policy, install,
                Path.of(System.getProperty("java.home")));
        Path domains = home.run().resolve("domains");
        // A pid file whose process is gone: removed, nothing adopted.
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.createDirectories(domains.resolve("ghost"));
        Files.writeString(domains.resolve("ghost/pid"), gone.pid() + "\n");

        Broker first = Broker.start(settings);
        long workPid;
        try {
            assertThat(domains.resolve("ghost/pid")).doesNotExist();
            assertThat(callFromWork("personal", "test.Whoami")).isEqualTo(new Result(0, "work\n"));
            assertThat(run("sh", "-c", "echo same > /tmp/marker").code()).isZero();
            workPid = Long.parseLong(Files.readString(domains.resolve("work/pid")).strip());
        } finally {
            first.closeLeavingDomains();
        }
        assertThat(ProcessHandle.of(workPid).filter(ProcessHandle::isAlive)).isPresent();

        Broker second = Broker.start(settings);
        try {
            assertThat(awaitRunning(List.of("personal", "work"))).containsExactly("personal", "work");
            assertThat(run("cat", "/tmp/marker")).isEqualTo(new Result(0, "same\n"));
            assertThat(Files.readString(domains.resolve("work/pid")).strip()).isEqualTo(Long.toString(workPid));
            assertThat(callFromWork("personal", "test.Whoami")).isEqualTo(new Result(0, "work\n"));
        } finally {
            second.close();
        }
        assertThat(ProcessHandle.of(workPid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(domains.resolve("work/pid")).doesNotExist();
        assertThat(domains.resolve("personal/pid")).doesNotExist();
    }

    private List<String> awaitRunning(List<String> expected) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        List<String> names = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            JsonNode answer = new AdminClient(home).call(AdminClient.request("running"));
            names.clear();
            answer.path("domains").forEach(n -> names.add(n.asText()));
            if (names.equals(expected)) {
                break;
            }
            Thread.sleep(100);
        }
        return names;
    }

    /** {@code qrexec-client-vm TARGET SERVICE} run by a process inside {@code work}. */
    private Result callFromWork(String target, String service) throws IOException {
        return run("sh", "-c", CLIENT + " " + target + " " + service);
    }

    /** {@code airlock run work -- CMD...} as the CLI does it. */
    private Result run(String... command) throws IOException {
        var request = AdminClient.request("run").put("domain", "work");
        var argv = request.putArray("argv");
        for (String c : command) {
            argv.add(c);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (SocketChannel ch = new AdminClient(home).openStream(request)) {
            int code = Caller.exchange(ch, new MessageReader(ch), new ByteArrayInputStream(new byte[0]), out,
                    new ByteArrayOutputStream());
            return new Result(code, out.toString(StandardCharsets.UTF_8));
        }
    }
}
