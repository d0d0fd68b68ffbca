package dev.airlock.broker;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * How many refused calls each source may have: a token bucket per domain, {@code burst} deep and refilled at
 * {@code perSecond}. Each refusal takes a token; a domain whose bucket is empty has its calls refused without a
 * policy decision until a token comes back. Allowed calls take nothing, so only a domain that keeps being refused
 * is slowed, and only its own calls: each domain has its own bucket.
 */
final class RefusalLimiter {
    /** Refusals a domain may have at once before it is slowed down. */
    static final int DEFAULT_BURST = 20;
    /** Refusals a slowed-down domain may have per second. */
    static final double DEFAULT_PER_SECOND = 2;
    /** Buckets kept: past this, full ones (domains that are not refused now) are forgotten. */
    private static final int MAX_BUCKETS = 1024;

    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }

    private final int burst;
    private final double perNano;
    private final LongSupplier nanos;
    /** Guarded by {@code this}. */
    private final Map<String, Bucket> buckets = new HashMap<>();

    RefusalLimiter(int burst, double perSecond, LongSupplier nanos) {
        if (burst < 1 || !(perSecond > 0)) {
            throw new IllegalArgumentException("a refusal limit needs a burst and a rate above 0");
        }
        this.burst = burst;
        this.perNano = perSecond / 1e9;
        this.nanos = nanos;
    }

    RefusalLimiter() {
        this(DEFAULT_BURST, DEFAULT_PER_SECOND, System::nanoTime);
    }

    /** Whether {@code source} has had as many refusals as it may: its next call is refused without a decision. */
    synchronized boolean exhausted(String source) {
        Bucket b = buckets.get(source);
        return b != null && refill(b) < 1;
    }

    /** Takes a token from {@code source}'s bucket for a refusal. */
    synchronized void refused(String source) {
        Bucket b = buckets.get(source);
        if (b == null) {
            if (buckets.size() >= MAX_BUCKETS) {
                buckets.values().removeIf(x -> refill(x) >= burst);
            }
            b = new Bucket(burst, nanos.getAsLong());
            buckets.put(source, b);
        }
        b.tokens = Math.max(0, refill(b) - 1);
    }

    private double refill(Bucket b) {
        long now = nanos.getAsLong();
        b.tokens = Math.min(burst, b.tokens + (now - b.at) * perNano);
        b.at = now;
        return b.tokens;
    }
}
