package dev.airlock.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
class BrokerTest {

    @Test
    void askTimeoutComesFromTheEnvironmentInSeconds() {
        assertThat(Broker.Settings.askTimeout(null)).isEqualTo(Broker.DEFAULT_ASK_TIMEOUT);
        assertThat(Broker.Settings.askTimeout(" 2 ")).isEqualTo(java.time.Duration.ofSeconds(2));
        assertThatThrownBy(() -> Broker.Settings.askTimeout("2s")).hasMessageContaining("AIRLOCK_ASK_TIMEOUT");
        assertThatThrownBy(() -> new Broker.Settings(new AirlockHome(Path.of("/h")), Path.of("/p"), Path.of("/i"),
                Path.of("/j"), java.time.Duration.ZERO)).hasMessageContaining("positive");
    }

    @Test
    void poolAndDisposableHomeSizesComeFromTheEnvironmentWithinBounds() {
        assertThat(Broker.Settings.number("AIRLOCK_DISPVM_POOL", null, 1, 1)).isEqualTo(1);
        assertThat(Broker.Settings.number("AIRLOCK_DISPVM_POOL", " 0 ", 1, 1)).isZero();
        assertThat(Broker.Settings.number("AIRLOCK_DISPVM_HOME_MB", "64", 1, 1 << 20)).isEqualTo(64L << 20);
        assertThatThrownBy(() -> Broker.Settings.number("AIRLOCK_DISPVM_HOME_MB", "1G", 1, 1 << 20))
                .hasMessage("AIRLOCK_DISPVM_HOME_MB must be a whole number, not \"1G\"");
        Broker.Settings s = new Broker.Settings(new AirlockHome(Path.of("/h")), Path.of("/p"), Path.of("/i"),
                Path.of("/j"));
        assertThat(s.poolSize()).isEqualTo(Broker.DEFAULT_POOL_SIZE);
        assertThat(s.disposableHomeBytes()).isEqualTo(Broker.DEFAULT_DISPOSABLE_HOME_BYTES);
        for (int size : new int[] {-1, 17}) {
            assertThatThrownBy(() -> new Broker.Settings(s.home(), s.policyDirectory(), s.installDir(), s.jdkHome(),
                    s.askTimeout(), size, 1 << 20)).hasMessageContaining("0 to 16");
        }
        // A hostile disposable's home is memory on the host: it is never unbounded, and never too small to start.
        assertThatThrownBy(() -> new Broker.Settings(s.home(), s.policyDirectory(), s.installDir(), s.jdkHome(),
                s.askTimeout(), 1, 4096)).hasMessageContaining("at least 1 MiB");
    }

    @Test
    void brokerAnswersOnAPrivateAdminSocket(@TempDir Path tmp) throws Exception {
        AirlockHome home = new AirlockHome(tmp.resolve("home"));
        try (Broker b = Broker.start(home)) {
            assertThat(new AdminClient(home).call(AdminClient.request("ping")).get("pid").asLong())
                    .isEqualTo(ProcessHandle.current().pid());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.adminSocket())))
                    .isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.run())))
                    .isEqualTo("rwx------");
        }
        assertThat(home.adminSocket()).doesNotExist();
        assertThat(new AdminClient(home).isRunning()).isFalse();
    }

    @Test
    void secondBrokerForTheSameHomeIsRefused(@TempDir Path tmp) throws Exception {
        AirlockHome home = new AirlockHome(tmp);
        try (Broker b = Broker.start(home)) {
            assertThatThrownBy(() -> Broker.start(home)).hasMessageContaining("already running");
            assertThat(new AdminClient(home).isRunning()).as("the first one still serves").isTrue();
        }
    }

    @Test
    void secondBrokerCannotStartWhileTheFirstHoldsTheHome(@TempDir Path tmp) throws Exception {
        AirlockHome home = new AirlockHome(tmp);
        home.ensureCreated();
        // The first broker is still starting: it holds the lock but has not bound its admin socket yet.
        Path image = Files.createDirectories(tmp.resolve("pendrives")).resolve("pendrive-1.img");
        Files.writeString(image, "the first broker's pendrive");
        Broker.Settings settings = Broker.Settings.defaults(home);
        try (BrokerLock _ = BrokerLock.tryTake(home.run().resolve("broker.lock")).orElseThrow()) {
            assertThatThrownBy(() -> Broker.start(settings, java.time.Duration.ofMillis(300)))
                    .isInstanceOf(IOException.class)
                    .hasMessage("a broker is already starting or running for " + tmp);
            // The second one touched nothing of the first's.
            assertThat(image).exists();
            assertThat(home.adminSocket()).doesNotExist();
        }
        // Once the first has gone, a broker starts, and holds the lock until it stops.
        try (Broker b = Broker.start(settings, java.time.Duration.ofMillis(300))) {
            assertThat(image).doesNotExist();
            assertThat(BrokerLock.tryTake(home.run().resolve("broker.lock"))).isEmpty();
        }
        try (BrokerLock _ = BrokerLock.tryTake(home.run().resolve("broker.lock")).orElseThrow()) {
            assertThat(home.adminSocket()).doesNotExist();
        }
    }

    @Test
    void socketLeftByADeadBrokerIsReplaced(@TempDir Path tmp) throws Exception {
        AirlockHome home = new AirlockHome(tmp);
        home.ensureCreated();
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(home.adminSocket()));
        }
        assertThat(home.adminSocket()).exists();
        try (Broker b = Broker.start(home)) {
            assertThat(new AdminClient(home).isRunning()).isTrue();
        }
    }

    @Test
    void stopRequestEndsTheBroker(@TempDir Path tmp) throws Exception {
        AirlockHome home = new AirlockHome(tmp);
        Broker b = Broker.start(home);
        new AdminClient(home).call(AdminClient.request("stop"));
        b.awaitStop();
        assertThat(new AdminClient(home).isRunning()).isFalse();
    }

    @Test
    void malformedAdminRequestsGetAnErrorNotACrash(@TempDir Path tmp) throws Exception {
        AirlockHome home = new AirlockHome(tmp);
        try (Broker b = Broker.start(home)) {
            assertThat(raw(home, "not json")).contains("not JSON");
            assertThat(raw(home, "{}")).contains("no op");
            assertThatThrownBy(() -> new AdminClient(home).call(AdminClient.request("format-disk")))
                    .hasMessageContaining("unknown request");
            assertThat(new AdminClient(home).isRunning()).isTrue();
        }
    }

    @Test
    void clientWithoutBrokerSaysHowToStartIt(@TempDir Path tmp) {
        assertThatThrownBy(() -> new AdminClient(new AirlockHome(tmp)).call(AdminClient.request("ping")))
                .isInstanceOf(BrokerUnavailableException.class).hasMessageContaining("airlock up");
    }

    @Test
    void homeFollowsAirlockHomeThenXdgDataHome() {
        assertThat(AirlockHome.fromEnvironment(Map.of("AIRLOCK_HOME", "/x/y")).root()).isEqualTo(Path.of("/x/y"));
        assertThat(AirlockHome.fromEnvironment(Map.of("XDG_DATA_HOME", "/d")).root()).isEqualTo(Path.of("/d/airlock"));
        assertThat(AirlockHome.fromEnvironment(Map.of("HOME", "/home/u")).root())
                .isEqualTo("root".equals(System.getProperty("user.name")) ? Path.of("/var/lib/airlock")
                        : Path.of("/home/u/.local/share/airlock"));
    }

    @Test
    void auditLogKeepsEveryDecisionAndSkipsDamagedLines(@TempDir Path tmp) throws IOException {
        AuditLog log = new AuditLog(tmp.resolve("audit.jsonl"));
        Instant t = Instant.parse("2026-11-22T10:00:00Z");
        log.append(new AuditLog.Entry(t, "work", "personal", "qubes.Filecopy", "", "50-default.policy:1", "ask",
                null));
        Files.writeString(tmp.resolve("audit.jsonl"), "{broken\n", java.nio.file.StandardOpenOption.APPEND);
        log.append(new AuditLog.Entry(t.plusSeconds(1), "work", "personal", "qubes.Filecopy", "", null, "allow",
                "approved by the user"));
        assertThat(log.read(e -> true)).extracting(AuditLog.Entry::outcome).containsExactly("ask", "allow");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("audit.jsonl"))))
                .as("other users cannot read which calls were made").isEqualTo("rw-------");
        assertThat(log.read(e -> "allow".equals(e.outcome())).getFirst().detail()).isEqualTo("approved by the user");
    }

    private static String raw(AirlockHome home, String text) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(home.adminSocket()))) {
            Channels.newOutputStream(ch).write(text.getBytes(StandardCharsets.UTF_8));
            ch.shutdownOutput();
            return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
