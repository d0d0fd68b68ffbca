package dev.airlock.broker;

import dev.airlock.log.Log;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Folds repeated refusals into one audit record with a count. The first of a kind (same source, target, service,
 * argument, rule and outcome) is written at once, so the log always shows that it happened; the repeats within
 * {@code window} after it are counted and written as one record when the window is over. A domain that repeats a
 * refused call therefore costs the log a few records per window instead of one per call.
 */
final class AuditFold implements AutoCloseable {
    private static final System.Logger LOG = Log.of("airlock");
    /** How long repeats are folded into one record, unless told otherwise. */
    static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);
    /** Kinds counted at once: more (a domain varying its calls) flush the oldest early. */
    static final int MAX_OPEN = 1024;

    private record Kind(String source, String target, String service, String argument, String rule,
                        String outcome) {
        static Kind of(AuditLog.Entry e) {
            return new Kind(e.source(), e.target(), e.service(), e.argument(), e.rule(), e.outcome());
        }
    }

    /** A kind seen since {@code opened}: how many repeats followed its first record, and the last of them. */
    private static final class Run {
        final Instant opened;
        int repeats;
        AuditLog.Entry last;

        Run(Instant opened) {
            this.opened = opened;
        }
    }

    private final AuditLog audit;
    private final Duration window;
    private final Supplier<Instant> clock;
    /** Open runs, oldest first; guarded by {@code this}. */
    private final Map<Kind, Run> open = new LinkedHashMap<>();
    private Thread flusher;
    private boolean closed;

    AuditFold(AuditLog audit, Duration window, Supplier<Instant> clock) {
        this.audit = audit;
        this.window = window;
        this.clock = clock;
    }

    AuditFold(AuditLog audit) {
        this(audit, DEFAULT_WINDOW, Instant::now);
    }

    /** Writes {@code e}, or counts it when one of its kind was written less than a window ago. */
    void record(AuditLog.Entry e) throws IOException {
        List<AuditLog.Entry> due;
        synchronized (this) {
            Instant now = clock.get();
            due = expired(now);
            Kind kind = Kind.of(e);
            Run run = open.get(kind);
            if (run != null && !closed) {
                run.repeats += e.count();
                run.last = e;
                startFlusher();
                writeAll(due);
                return;
            }
            if (!closed) {
                if (open.size() >= MAX_OPEN) {
                    Iterator<Map.Entry<Kind, Run>> oldest = open.entrySet().iterator();
                    folded(oldest.next().getValue()).ifPresent(due::add);
                    oldest.remove();
                }
                open.put(kind, new Run(now));
            }
            due.add(e);
            writeAll(due);
        }
    }

    /** Writes the counts of the runs whose window is over. */
    synchronized void flush() throws IOException {
        writeAll(expired(clock.get()));
    }

    /** Writes every count still open; what comes later is written as it comes. */
    @Override
    public void close() {
        Thread f;
        synchronized (this) {
            closed = true;
            List<AuditLog.Entry> due = new ArrayList<>();
            open.values().forEach(r -> folded(r).ifPresent(due::add));
            open.clear();
            try {
                writeAll(due);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot write the audit log: " + e.getMessage());
            }
            f = flusher;
            notifyAll();
        }
        if (f != null) {
            f.interrupt();
        }
    }

    private List<AuditLog.Entry> expired(Instant now) {
        List<AuditLog.Entry> due = new ArrayList<>();
        for (Iterator<Run> i = open.values().iterator(); i.hasNext(); ) {
            Run r = i.next();
            if (r.opened.plus(window).isAfter(now)) {
                // Oldest first: the rest are younger still.
                break;
            }
            folded(r).ifPresent(due::add);
            i.remove();
        }
        return due;
    }

    /** The record of a run's repeats, if it had any: the last one's time and detail, and how many there were. */
    private static Optional<AuditLog.Entry> folded(Run r) {
        if (r.repeats == 0) {
            return Optional.empty();
        }
        AuditLog.Entry l = r.last;
        return Optional.of(new AuditLog.Entry(l.time(), l.source(), l.target(), l.service(), l.argument(),
                l.rule(), l.outcome(), l.detail() + " (repeated " + r.repeats + " times since " + r.opened + ")",
                r.repeats));
    }

    private void writeAll(List<AuditLog.Entry> entries) throws IOException {
        for (AuditLog.Entry e : entries) {
            audit.append(e);
        }
    }

    /** Counts must reach the log even when the refusals stop: a thread writes them when their window is over. */
    private void startFlusher() {
        if (flusher != null || closed) {
            return;
        }
        flusher = Thread.ofVirtual().name("airlock-audit-fold").start(this::flushLoop);
    }

    private void flushLoop() {
        synchronized (this) {
            while (!closed) {
                try {
                    wait(Math.max(1, window.toMillis() / 2));
                    writeAll(expired(clock.get()));
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    LOG.log(Level.WARNING, "cannot write the audit log: " + e.getMessage());
                }
            }
        }
    }
}
