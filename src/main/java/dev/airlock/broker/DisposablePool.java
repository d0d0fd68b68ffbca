package dev.airlock.broker;

import java.io.IOException;

/** The disposables as the call path needs them ({@link Disposables} in the broker, a fake in tests). */
interface DisposablePool {
    /** A disposable handed to a call, and whether it came from the pool. */
    record Taken(String name, boolean pooled) {
    }

    /**
     * A started disposable of {@code template} for a call from {@code caller}, tagged with its caller.
     *
     * @throws DisposableQuota.LimitReachedException if the caller, or all callers, have as many as allowed
     * @throws IOException if none could be made
     */
    Taken take(String template, String caller) throws IOException;

    /** Whether {@code name} is a disposable no call has been given yet, which no call may reach by name. */
    boolean isUnbound(String name);

    /** Starts disposables of {@code template} in the background until its pool is full. */
    void refill(String template);

    /** Destroys {@code name} if it is a disposable of this broker; never throws. */
    void destroy(String name);
}
