package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.LiveDomains.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    private LiveDomains live;

    @Test
    void restartedBrokerAdoptsTheRunningDomains() throws Exception {
        live = LiveDomains.create(tmp, "test.Whoami  *  work  personal  allow\n", "work", "personal");
        live.service("personal", "test.Whoami", "echo $QREXEC_REMOTE_DOMAIN");
        AirlockHome home = live.home();
        Broker.Settings settings = live.settings(Broker.DEFAULT_ASK_TIMEOUT);
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
            assertThat(callFromWork("personal", "test.Whoami")).isEqualTo(new Result(0, "work\n", ""));
            assertThat(live.sh("work", "echo same > /tmp/marker").code()).isZero();
            workPid = live.sandboxPid("work");
        } finally {
            first.closeLeavingDomains();
        }
        assertThat(ProcessHandle.of(workPid).filter(ProcessHandle::isAlive)).isPresent();

        Broker second = Broker.start(settings);
        try {
            assertThat(live.awaitRunning(List.of("personal", "work"), Duration.ofSeconds(15)))
                    .containsExactly("personal", "work");
            assertThat(live.run("work", "", "cat", "/tmp/marker")).isEqualTo(new Result(0, "same\n", ""));
            assertThat(live.sandboxPid("work")).isEqualTo(workPid);
            assertThat(callFromWork("personal", "test.Whoami")).isEqualTo(new Result(0, "work\n", ""));
        } finally {
            second.close();
        }
        assertThat(ProcessHandle.of(workPid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(domains.resolve("work/pid")).doesNotExist();
        assertThat(domains.resolve("personal/pid")).doesNotExist();
    }

    /** {@code qrexec-client-vm TARGET SERVICE} run by a process inside {@code work}. */
    private Result callFromWork(String target, String service) throws IOException {
        return live.sh("work", CLIENT + " " + target + " " + service);
    }
}
