package dev.airlock.cli;

/** Lets something happen at most once per interval (progress output: a terminal cannot show more). */
final class Throttle {
    private final long intervalNanos;
    private long last;

    Throttle(long intervalNanos) {
        this.intervalNanos = intervalNanos;
        this.last = System.nanoTime() - intervalNanos;
    }

    /** True, and restarts the interval, when the last permitted time is at least one interval ago. */
    boolean ready() {
        long now = System.nanoTime();
        if (now - last < intervalNanos) {
            return false;
        }
        last = now;
        return true;
    }
}
