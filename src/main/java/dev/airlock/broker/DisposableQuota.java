package dev.airlock.broker;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * How many disposables the callers have: at most {@code perCaller} for one domain and {@code total} for all,
 * counting each from the moment it is asked for (a place is reserved) until it is destroyed. Pooled disposables
 * no caller has yet are not counted: the pool's size bounds them. Each disposable is memory on the host, so a
 * domain that loops over {@code @dispvm} calls or pendrive transactions gets a refusal instead of more.
 * <p>
 * A disposable that asks for a disposable is not a caller of its own: what it gets counts against the domain its
 * own place counts against, the root of its chain of creation. Otherwise each disposable a domain gets could ask
 * for as many again, and the chain would fill the host's limit for everyone.
 */
final class DisposableQuota {
    /** Disposables one domain may have at once, unless told otherwise. */
    static final int DEFAULT_PER_CALLER = 8;
    /** Disposables all domains together may have at once, unless told otherwise. */
    static final int DEFAULT_TOTAL = 32;
    /** The environment variable that sets {@link #DEFAULT_PER_CALLER}. */
    static final String PER_CALLER_VARIABLE = "AIRLOCK_DISPVM_PER_DOMAIN";
    /** The environment variable that sets {@link #DEFAULT_TOTAL}. */
    static final String TOTAL_VARIABLE = "AIRLOCK_DISPVM_MAX";
    private static final int MAX = 1000;

    /** A disposable refused because a limit is reached. */
    static final class LimitReachedException extends IOException {
        LimitReachedException(String message) {
            super(message);
        }
    }

    private final int perCaller;
    private final int total;
    /** Places per root caller, reserved or held by a disposable; guarded by {@code this}. */
    private final Map<String, Integer> places = new HashMap<>();
    /** The root caller each disposable that holds a place counts against; guarded by {@code this}. */
    private final Map<String, String> holders = new HashMap<>();
    private int used;

    DisposableQuota(int perCaller, int total) {
        if (perCaller < 1 || total < perCaller || total > MAX) {
            throw new IllegalArgumentException("the limits of disposables must be 1 <= per domain <= total <= "
                    + MAX + ", not " + perCaller + " and " + total);
        }
        this.perCaller = perCaller;
        this.total = total;
    }

    /** The limits {@code env} sets ({@value #PER_CALLER_VARIABLE}, {@value #TOTAL_VARIABLE}), else the defaults. */
    static DisposableQuota fromEnvironment(Map<String, String> env) {
        return new DisposableQuota(
                (int) Broker.Settings.number(PER_CALLER_VARIABLE, env.get(PER_CALLER_VARIABLE), DEFAULT_PER_CALLER, 1),
                (int) Broker.Settings.number(TOTAL_VARIABLE, env.get(TOTAL_VARIABLE), DEFAULT_TOTAL, 1));
    }

    /**
     * Reserves a place for a disposable {@code caller} asks for, or says which limit is reached.
     *
     * @return the root caller the place counts against: {@code caller}, or when {@code caller} is a disposable that
     *         holds a place, the root its own place counts against; {@link #hold} and {@link #cancel} take it
     */
    synchronized String reserve(String caller) throws LimitReachedException {
        String root = holders.getOrDefault(caller, caller);
        int mine = places.getOrDefault(root, 0);
        if (mine >= perCaller) {
            String who = root.equals(caller) ? caller : caller + " was made for " + root + ", which";
            throw new LimitReachedException(who + " has " + mine + " disposables already, the most one domain may "
                    + "have (" + PER_CALLER_VARIABLE + "); wait until one is done");
        }
        if (used >= total) {
            throw new LimitReachedException(used + " disposables exist already, the most this host allows ("
                    + TOTAL_VARIABLE + "); wait until one is done");
        }
        places.put(root, mine + 1);
        used++;
        return root;
    }

    /** Gives a place reserved for {@code root} to disposable {@code name}: {@link #release} frees it. */
    synchronized void hold(String root, String name) {
        if (holders.putIfAbsent(name, root) != null) {
            throw new IllegalStateException(name + " holds a place already");
        }
    }

    /** Frees a place reserved for {@code root} that no disposable took. */
    synchronized void cancel(String root) {
        free(root);
    }

    /** Frees the place of disposable {@code name}, if it holds one. */
    synchronized void release(String name) {
        String caller = holders.remove(name);
        if (caller != null) {
            free(caller);
        }
    }

    /** How many places count against {@code caller}, reserved or held, its disposables' included. */
    synchronized int of(String caller) {
        return places.getOrDefault(caller, 0);
    }

    private void free(String caller) {
        int left = places.getOrDefault(caller, 0) - 1;
        if (left < 0) {
            throw new IllegalStateException(caller + " has no place to free");
        }
        if (left == 0) {
            places.remove(caller);
        } else {
            places.put(caller, left);
        }
        used--;
    }
}
