package dev.airlock.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * The one way tests wait for something another thread or process does: poll with a deadline, never a bare sleep.
 * A wait that runs out fails with a message that names what was awaited (and the last value seen), so a slow
 * machine reads as a timeout, not as a wrong answer. Polls start at a millisecond and back off to 50 ms, so that a
 * quick event costs little and a costly probe (an admin call, a scan of {@code /proc}) does not load the machine.
 */
public final class Await {
    /** What a test waits when it names no limit: generous for a loaded two-core machine. */
    public static final Duration DEFAULT_LIMIT = Duration.ofSeconds(10);

    private static final long FIRST_PAUSE_MS = 1;
    private static final long LONGEST_PAUSE_MS = 50;

    /** A condition that may do I/O. */
    @FunctionalInterface
    public interface Check {
        /** Whether the awaited state is reached. */
        boolean holds() throws Exception;
    }

    /** A value that may take I/O to read. */
    @FunctionalInterface
    public interface Probe<T> {
        /** The value now. */
        T get() throws Exception;
    }

    private Await() {
    }

    /** Polls {@code check} until it holds; fails after {@link #DEFAULT_LIMIT}, saying it waited until {@code what}. */
    public static void until(String what, Check check) throws InterruptedException {
        until(DEFAULT_LIMIT, what, check);
    }

    /** Polls {@code check} until it holds; fails after {@code limit}, saying it waited until {@code what}. */
    public static void until(Duration limit, String what, Check check) throws InterruptedException {
        if (!within(limit, check)) {
            throw new AssertionError("timed out after " + limit + " waiting until " + what);
        }
    }

    /** Polls {@code check} until it holds or {@code limit} passes; returns whether it held (the caller asserts). */
    public static boolean within(Duration limit, Check check) throws InterruptedException {
        return last(limit, check::holds, Boolean::booleanValue);
    }

    /** Polls {@code probe} until its value is {@code ok}, and returns it; fails after {@code limit}, naming it. */
    public static <T> T value(Duration limit, String what, Probe<T> probe, Predicate<? super T> ok)
            throws InterruptedException {
        T seen = last(limit, probe, ok);
        if (!ok.test(seen)) {
            throw new AssertionError("timed out after " + limit + " waiting until " + what + "; last seen: " + seen);
        }
        return seen;
    }

    /**
     * Polls {@code probe} until its value is {@code ok} or {@code limit} passes, and returns the last value seen,
     * matching or not: for a caller whose own assertion on the value says more than a timeout would.
     */
    public static <T> T last(Duration limit, Probe<T> probe, Predicate<? super T> ok) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        long pause = FIRST_PAUSE_MS;
        T seen = read(probe);
        while (!ok.test(seen) && System.nanoTime() - deadline < 0) {
            Thread.sleep(pause);
            pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
            seen = read(probe);
        }
        return seen;
    }

    private static <T> T read(Probe<T> probe) throws InterruptedException {
        try {
            return probe.get();
        } catch (InterruptedException | RuntimeException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
