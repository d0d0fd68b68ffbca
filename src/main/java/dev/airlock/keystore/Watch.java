package dev.airlock.keystore;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One watch on a path and everything below it. Changes wait in a bounded queue until the watcher takes them;
 * the writer never waits. When the queue is full, further changes are dropped until the watcher has taken
 * every queued one, and then it gets one {@link WatchEvent.Overflow}.
 */
public final class Watch implements AutoCloseable {
    private final KeyStore store;
    private final Principal owner;
    private final KeyPath path;
    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<WatchEvent> queue = new ArrayDeque<>();
    private boolean overflowed;
    private boolean closed;

    Watch(KeyStore store, Principal owner, KeyPath path, int capacity) {
        this.store = store;
        this.owner = owner;
        this.path = path;
        this.capacity = capacity;
    }

    /** The watched path. */
    public KeyPath path() {
        return path;
    }

    Principal owner() {
        return owner;
    }

    /** Queues {@code event} unless the queue is full or overflowed; never blocks beyond the queue's own lock. */
    void offer(WatchEvent event) {
        lock.lock();
        try {
            if (closed || overflowed) {
                return;
            }
            if (queue.size() >= capacity) {
                overflowed = true;
            } else {
                queue.add(event);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next event, waiting at most {@code timeout}; {@code null} when none came in time or the watch is
     * closed.
     */
    public WatchEvent poll(Duration timeout) throws InterruptedException {
        return next(timeout.toNanos(), false);
    }

    /** The next event, waiting as long as it takes; {@code null} once the watch is closed. */
    public WatchEvent take() throws InterruptedException {
        return next(0, true);
    }

    private WatchEvent next(long nanos, boolean forever) throws InterruptedException {
        lock.lock();
        try {
            while (!closed) {
                WatchEvent e = queue.poll();
                if (e != null) {
                    return e;
                }
                if (overflowed) {
                    overflowed = false;
                    return new WatchEvent.Overflow();
                }
                if (forever) {
                    changed.await();
                } else if (nanos <= 0) {
                    return null;
                } else {
                    nanos = changed.awaitNanos(nanos);
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the watch: queued events are dropped, and a waiting {@link #take()} returns {@code null}. */
    @Override
    public void close() {
        markClosed();
        store.unregister(this);
    }

    void markClosed() {
        lock.lock();
        try {
            closed = true;
            queue.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "watch " + path + " of " + owner;
    }
}
