package dev.airlock.broker;

import dev.airlock.sys.UnixSocket;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Closes a domain's connection unless cancelled in time, which wakes the thread blocked reading it: a connection that
 * never says what it is for would otherwise hold one of the broker's threads for good. Cancelled once the connection
 * has said it, since a call's connection lives as long as the call.
 */
final class ConnectionDeadline implements AutoCloseable {
    private static final ScheduledThreadPoolExecutor TIMER = timer();
    private final ScheduledFuture<?> closing;

    private ConnectionDeadline(ScheduledFuture<?> closing) {
        this.closing = closing;
    }

    /** Closes {@code connection} after {@code limit} unless {@linkplain #close() cancelled} first. */
    static ConnectionDeadline start(UnixSocket connection, Duration limit) {
        return new ConnectionDeadline(TIMER.schedule(connection::close, limit.toNanos(), TimeUnit.NANOSECONDS));
    }

    /** Cancels the deadline; the connection stays open unless the deadline had passed. */
    @Override
    public void close() {
        closing.cancel(false);
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1,
                task -> Thread.ofPlatform().daemon().name("airlock-deadline").unstarted(task));
        // Nearly every deadline is cancelled; dropping them at once keeps the queue to the connections still silent.
        t.setRemoveOnCancelPolicy(true);
        return t;
    }
}
