package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A domain refused too fast is slowed down, and only that domain, and only while it keeps being refused. */
class RefusalLimiterTest {
    private final AtomicLong nanos = new AtomicLong();
    private final RefusalLimiter limiter = new RefusalLimiter(5, 2, nanos::get);

    @Test
    void domainRefusedTooFastIsRefusedWithoutADecisionUntilItsRateComesBack() {
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.exhausted("work")).isFalse();
            limiter.refused("work");
        }
        assertThat(limiter.exhausted("work")).isTrue();
        nanos.addAndGet(400_000_000L);
        assertThat(limiter.exhausted("work")).isTrue();
        nanos.addAndGet(100_000_000L);
        // One token back after 0.5 s at 2 per second: one more call is decided, then the domain waits again.
        assertThat(limiter.exhausted("work")).isFalse();
        limiter.refused("work");
        assertThat(limiter.exhausted("work")).isTrue();
        nanos.addAndGet(60_000_000_000L);
        assertThat(limiter.exhausted("work")).isFalse();
    }

    @Test
    void floodingDomainDoesNotSlowDownAnother() {
        for (int i = 0; i < 100; i++) {
            limiter.refused("work");
        }
        assertThat(limiter.exhausted("work")).isTrue();
        assertThat(limiter.exhausted("personal")).isFalse();
        limiter.refused("personal");
        assertThat(limiter.exhausted("personal")).isFalse();
    }
}
