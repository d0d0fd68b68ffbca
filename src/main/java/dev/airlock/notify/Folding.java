package dev.airlock.notify;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rate limit of notices: of one kind from one domain, the first {@value #BURST} of a window are shown, the rest
 * are counted and shown as one "work: 37 more calls denied" when the window ends. A domain that keeps going gets
 * only that count, once a window, for as long as it keeps going: a domain making thousands of denied calls cannot
 * flood the desktop. Not thread-safe: the notifier's one worker owns it.
 */
final class Folding {
    /** Notices shown one by one per window, per kind and domain. */
    static final int BURST = 3;
    /** The window, in nanoseconds. */
    static final long WINDOW_NANOS = 30_000_000_000L;
    /** The most kinds-and-domains tracked at once; notices beyond are dropped (the audit log has them). */
    static final int MAX_KEYS = 256;

    private record Key(Notice.Kind kind, String domain) {
    }

    private static final class Window {
        final long start;
        int shown;
        int folded;

        Window(long start, int shown) {
            this.start = start;
            this.shown = shown;
        }
    }

    private final Map<Key, Window> windows = new LinkedHashMap<>();

    /** What to show of {@code n} at {@code now} (nanoseconds): itself, or nothing when it is counted instead. */
    Optional<Notice> offer(Notice n, long now) {
        Key key = new Key(n.kind(), n.domain());
        Window w = windows.get(key);
        if (w == null) {
            if (windows.size() >= MAX_KEYS) {
                return Optional.empty();
            }
            w = new Window(now, 0);
            windows.put(key, w);
        }
        if (w.shown < BURST) {
            w.shown++;
            return Optional.of(n);
        }
        w.folded++;
        return Optional.empty();
    }

    /**
     * The counts of the windows that ended by {@code now}, one notice each. A window that folded anything is
     * followed by a quiet one (nothing shown one by one), so a flood that goes on shows only its counts.
     */
    List<Notice> due(long now) {
        List<Notice> counts = new ArrayList<>();
        List<Key> quiet = new ArrayList<>();
        for (Iterator<Map.Entry<Key, Window>> it = windows.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Window> e = it.next();
            if (now - e.getValue().start < WINDOW_NANOS) {
                continue;
            }
            it.remove();
            if (e.getValue().folded > 0) {
                counts.add(Notice.folded(e.getKey().kind(), e.getKey().domain(), e.getValue().folded));
                quiet.add(e.getKey());
            }
        }
        quiet.forEach(k -> windows.put(k, new Window(now, BURST)));
        return counts;
    }

    /** Nanoseconds from {@code now} until the next window ends, or -1 when none is open. */
    long untilNext(long now) {
        long next = -1;
        for (Window w : windows.values()) {
            long left = Math.max(0, w.start + WINDOW_NANOS - now);
            next = next < 0 ? left : Math.min(next, left);
        }
        return next;
    }
}
