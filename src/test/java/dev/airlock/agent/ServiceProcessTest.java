package dev.airlock.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Ending a service's process group, including in the moment before {@code setsid} has made it. */
@Timeout(60)
class ServiceProcessTest {

    @Test
    void serviceEndedTheMomentItStartsCannotSlipThroughBeforeItsGroupExists() throws Exception {
        for (int i = 0; i < 20; i++) {
            ServiceProcess p = ServiceProcess.start(new ProcessBuilder(List.of("sleep", "600")));
            long start = System.nanoTime();
            int code = p.terminate(Duration.ofSeconds(10));
            assertThat(code).isEqualTo(128 + 15);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(p.process().isAlive()).isFalse();
        }
    }

    @Test
    void serviceLeadsAGroupOfItsOwn() throws Exception {
        ServiceProcess p = ServiceProcess.start(new ProcessBuilder(List.of("sh", "-c", "ps -o pgid= -p $$")));
        String pgid = new String(p.process().getInputStream().readAllBytes()).strip();
        assertThat(p.process().waitFor()).isZero();
        assertThat(p.ownGroup()).isTrue();
        assertThat(pgid).isEqualTo(Long.toString(p.process().pid()));
    }
}
