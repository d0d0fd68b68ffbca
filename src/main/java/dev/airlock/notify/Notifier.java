package dev.airlock.notify;

import dev.airlock.display.Desktop;
import dev.airlock.display.SessionBus;
import dev.airlock.log.Log;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Delivers notices to the desktop without ever holding up the caller: {@link #post} only queues (a bounded queue;
 * when it is full the notice is dropped), one worker folds them ({@link Folding}) and sends each with a time limit.
 * The desktop, and its session bus, are read from what {@code airlock up} recorded when a notice is sent, so that a
 * new session is followed; no desktop, no bus, no daemon: nothing is shown and nothing fails.
 */
public final class Notifier implements AutoCloseable {
    private static final System.Logger LOG = Log.of("airlock");
    /** Notices waiting for the worker; more are dropped (the audit log has every one). */
    static final int QUEUE = 64;

    /** Delivers one notification, made inert already, to the desktop's bus. */
    interface Sender {
        void send(Desktop desktop, SessionBus bus, String summary, String body)
                throws IOException, InterruptedException;
    }

    private final BlockingQueue<Notice> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Supplier<Optional<Desktop>> desktop;
    private final Sender sender;
    private final LongSupplier clock;
    private final Folding folding = new Folding();
    private final Thread worker;
    /** Whether the last failure to deliver was logged: one line per outage, not per notice. */
    private boolean failing;

    Notifier(Supplier<Optional<Desktop>> desktop, Sender sender, LongSupplier clock) {
        this.desktop = desktop;
        this.sender = sender;
        this.clock = clock;
        this.worker = Thread.ofPlatform().daemon().name("airlock-notify").start(this::work);
    }

    /** A notifier for the desktop recorded in {@code run} ({@code run/desktop}), running as {@code ownUid}. */
    public static Notifier forRecordedDesktop(Path run, int ownUid) {
        return new Notifier(() -> Desktop.load(run), new NotifySend(ownUid), System::nanoTime);
    }

    /** The uid of this process, to tell whether notifications must switch to the desktop user. */
    public static int processUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    /** Queues {@code n}; never blocks, never throws. */
    public void post(Notice n) {
        if (!queue.offer(n)) {
            LOG.log(Level.DEBUG, "notification dropped, the queue is full: " + n.summary());
        }
    }

    private void work() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                long wait = folding.untilNext(clock.getAsLong());
                Notice n = wait < 0 ? queue.take() : queue.poll(wait, TimeUnit.NANOSECONDS);
                if (n != null) {
                    Optional<Notice> shown = folding.offer(n, clock.getAsLong());
                    if (shown.isPresent()) {
                        deliver(shown.get());
                    }
                }
                for (Notice count : folding.due(clock.getAsLong())) {
                    deliver(count);
                }
            }
        } catch (InterruptedException e) {
            // Closed.
        }
    }

    private void deliver(Notice n) throws InterruptedException {
        Optional<Desktop> d = desktop.get();
        if (d.isEmpty() || d.get().sessionBus().isEmpty()) {
            return;
        }
        try {
            sender.send(d.get(), d.get().sessionBus().get(), Markup.inert(n.summary(), Markup.MAX_SUMMARY, false),
                    Markup.inert(n.body(), Markup.MAX_BODY, true));
            failing = false;
        } catch (IOException e) {
            if (!failing) {
                LOG.log(Level.INFO, "no desktop notification (the audit log has it): " + e.getMessage());
            }
            failing = true;
        }
    }

    /** Stops the worker; notices still queued are not shown. */
    @Override
    public void close() {
        worker.interrupt();
        try {
            worker.join(NotifySend.TIMEOUT_MILLIS + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
