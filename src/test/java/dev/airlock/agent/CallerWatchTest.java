package dev.airlock.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.sys.UnixSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The watch on a call's caller, on a real socket pair, with the test's thread in the service's place. */
@Timeout(30)
class CallerWatchTest {

    @Test
    void callerThatOnlyEndsItsInputDoesNotInterruptTheService() throws Exception {
        UnixSocket[] p = UnixSocket.pair();
        try (UnixSocket caller = p[0]; UnixSocket service = p[1]) {
            CallerWatch watch = CallerWatch.start(service);
            caller.shutdownOutput();
            TimeUnit.MILLISECONDS.sleep(500);
            assertThat(watch.callerGone()).isFalse();
            assertThat(Thread.interrupted()).isFalse();
            watch.close();
            service.close();
            watch.awaitEnd();
        }
    }

    @Test
    void callerThatClosesInterruptsTheService() throws Exception {
        UnixSocket[] p = UnixSocket.pair();
        try (UnixSocket caller = p[0]; UnixSocket service = p[1]) {
            CallerWatch watch = CallerWatch.start(service);
            caller.close();
            boolean interrupted = false;
            try {
                TimeUnit.SECONDS.sleep(20);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            assertThat(interrupted).isTrue();
            assertThat(watch.callerGone()).isTrue();
            watch.close();
            watch.awaitEnd();
        }
    }

    @Test
    void callerThatLeavesAfterTheServiceEndedInterruptsNothing() throws Exception {
        UnixSocket[] p = UnixSocket.pair();
        try (UnixSocket caller = p[0]; UnixSocket service = p[1]) {
            CallerWatch watch = CallerWatch.start(service);
            watch.close();
            caller.close();
            service.close();
            watch.awaitEnd();
            assertThat(watch.callerGone()).isFalse();
            assertThat(Thread.interrupted()).isFalse();
        }
    }

    @Test
    void interruptLeftUnconsumedByTheServiceIsClearedWhenTheWatchCloses() throws Exception {
        UnixSocket[] p = UnixSocket.pair();
        try (UnixSocket caller = p[0]; UnixSocket service = p[1]) {
            CallerWatch watch = CallerWatch.start(service);
            caller.close();
            while (!watch.callerGone()) {
                Thread.onSpinWait();
            }
            watch.close();
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
            watch.awaitEnd();
        }
    }
}
