package dev.airlock.sys;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Platform threads, kept for reuse, for work that blocks in native calls ({@link UnixSocket}): a virtual thread
 * blocked in a native call holds its carrier, and starting a platform thread for each of a call's few pumps costs
 * more than the call's own work. Never for work that confines its thread (Landlock binds a thread for good): such
 * work starts a thread of its own.
 */
public final class BlockingThreads {
    private static final ExecutorService POOL = Executors.newCachedThreadPool(
            task -> Thread.ofPlatform().daemon().name("airlock-blocking").unstarted(task));

    private BlockingThreads() {
    }

    /** Runs {@code task} on a pooled platform thread; cancelling the future with interrupt interrupts it. */
    public static Future<?> start(Runnable task) {
        return POOL.submit(task);
    }

    /**
     * Waits until {@code t} has ended, even when interrupted (the interrupt is kept for the caller): for a thread
     * that uses descriptors the caller closes once it returns, which must not be closed under it.
     */
    public static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
