package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.LiveDomains.Result;
import dev.airlock.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service ends when its caller is gone, in real sandboxes: a caller in {@code work} killed while its service in
 * {@code personal} runs takes that service with it, and the broker records how the service ended.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CallerGoneIT {
    private static final String CLIENT = "$JAVA_HOME/bin/java -XX:TieredStopAtLevel=1 -jar /opt/airlock/airlock.jar"
            + " qrexec-client-vm";
    private static final String POLICY = """
            test.Hold  *  work  personal  allow
            """;

    private LiveDomains live;
    private Broker broker;

    @BeforeAll
    void startDomains(@TempDir Path tmp) throws IOException {
        live = LiveDomains.create(tmp, POLICY, "work", "personal");
        // "$1" makes its sleep findable on the host.
        live.service("personal", "test.Hold", "echo started; sleep \"$1\"; echo slept");
        broker = live.startBroker();
        live.start("work", "personal");
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void callerThatDiesInsideADomainCannotLeaveItsServiceRunningInAnother() throws Exception {
        CompletableFuture<Result> call = CompletableFuture.supplyAsync(() -> {
            try {
                return live.sh("work", CLIENT + " personal test.Hold+614 & echo $! > /tmp/client.pid; wait $!");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Await.until("the service's sleep runs", () -> !DisposableIT.sandboxProcesses("sleep\0" + "614\0").isEmpty());
        assertThat(live.sh("work", "kill -KILL $(cat /tmp/client.pid)").code()).isZero();
        long killed = System.nanoTime();
        assertThat(call.get().code()).isEqualTo(128 + 9);
        Await.until("the service's sleep ends", () -> DisposableIT.sandboxProcesses("sleep\0" + "614\0").isEmpty());
        // SIGTERM was enough: no need to wait for the grace before SIGKILL.
        assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(Duration.ofSeconds(2));
        Await.until("the broker records the call's end", () -> !ended("614").isEmpty());
        assertThat(ended("614")).singleElement().satisfies(e -> {
            assertThat(e.source()).isEqualTo("work");
            assertThat(e.target()).isEqualTo("personal");
            assertThat(e.detail()).isEqualTo("the service exited with 143");
        });
    }

    private List<AuditLog.Entry> ended(String argument) {
        try {
            return new AuditLog(live.home().auditLog()).read(e -> "ended".equals(e.outcome())
                    && "test.Hold".equals(e.service()) && argument.equals(e.argument()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
