package dev.airlock.agent;

import dev.airlock.sys.BlockingThreads;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Watches the service's end of a call for its caller going away for good (its end closed, as when its process dies)
 * while the service runs, and then interrupts the thread that runs the service: each service ends its own work on
 * that interrupt (an executable's process group is terminated, {@code vm-file-editor} kills its handler, the
 * unpacker stops reading). A caller's half-close after its input is not going away: the service keeps running.
 *
 * <p>One pooled platform thread per call, blocked in {@code poll(2)}; it ends when the watch is closed, since
 * closing the call's socket (which the service's side does once the call is over) wakes it.
 */
final class CallerWatch implements AutoCloseable {
    private enum State { RUNNING, CALLER_GONE, DONE }

    private final Thread service;
    private final Future<?> watcher;
    private State state = State.RUNNING;

    private CallerWatch(UnixSocket call, Thread service) {
        this.service = service;
        this.watcher = BlockingThreads.start(() -> watch(call));
    }

    /** Watches {@code call} on behalf of the current thread, which runs the service. */
    static CallerWatch start(UnixSocket call) {
        return new CallerWatch(call, Thread.currentThread());
    }

    private void watch(UnixSocket call) {
        try {
            call.awaitHangUp();
        } catch (IOException e) {
            // The socket was closed here: the call is over, nobody is left to stop.
            return;
        }
        synchronized (this) {
            if (state == State.RUNNING) {
                state = State.CALLER_GONE;
                service.interrupt();
            }
        }
    }

    /** True when the service was interrupted because its caller went away. */
    synchronized boolean callerGone() {
        return state == State.CALLER_GONE;
    }

    /**
     * Ends the watch: called by the service's thread when the service has returned. A later hang-up interrupts
     * nothing, and an interrupt this watch made that the service did not consume is cleared, so that it cannot
     * disturb the end of the call (the exit code still goes out). Does not wait for the watcher thread, which the
     * close of the call's socket ends.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (state == State.RUNNING) {
                state = State.DONE;
                return;
            }
        }
        Thread.interrupted();
    }

    /** Waits for the watcher thread to end, for tests that check that none is left. */
    void awaitEnd() throws InterruptedException {
        try {
            watcher.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("the watcher failed", e.getCause());
        }
    }
}
