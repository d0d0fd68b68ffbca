package dev.airlock.keystore;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The key store: values under checked paths, per-domain subtrees, watches. Thread-safe; every operation
 * holds one lock for as long as it touches the tree, and watchers are only ever handed events through their
 * own bounded queues, so no watcher can hold a writer up.
 *
 * <p>A domain's subtree holds at most {@link Limits#maxKeysPerDomain()} keys, whoever wrote them; only the host
 * may write past that (its keys are few and trusted), never the domain.
 *
 * <p>Keys the host wrote inside a domain's subtree (its {@code name}, a pendrive's {@code qubes_blocksrc}) are
 * read-only for that domain: a domain cannot rename itself in the eyes of a daemon that maps names to ids.
 */
public final class KeyStore {
    /** Where the domains' subtrees live. */
    public static final String DOMAINS = "/local/domain";

    private record Entry(String value, boolean hostOwned) {
    }

    private final Limits limits;
    private final Object lock = new Object();
    private final TreeMap<String, Entry> keys = new TreeMap<>();
    private final Map<Integer, Integer> keysPerDomain = new HashMap<>();
    private final List<Watch> watches = new ArrayList<>();

    public KeyStore(Limits limits) {
        this.limits = Objects.requireNonNull(limits);
    }

    public Limits limits() {
        return limits;
    }

    /** The subtree of domain {@code id}. */
    public static String domainPath(int id) {
        return DOMAINS + "/" + id;
    }

    /** The value at {@code path}, if a key is there (a folder that only has keys below it has none). */
    public Optional<String> read(Principal who, String path) {
        KeyPath p = checked(who, path);
        synchronized (lock) {
            return Optional.ofNullable(keys.get(p.text())).map(Entry::value);
        }
    }

    /** The names directly below {@code path}, sorted. */
    public List<String> list(Principal who, String path) {
        KeyPath p = checked(who, path);
        String prefix = p.text().equals("/") ? "/" : p.text() + "/";
        LinkedHashSet<String> names = new LinkedHashSet<>();
        synchronized (lock) {
            for (String k : below(prefix).keySet()) {
                int slash = k.indexOf('/', prefix.length());
                names.add(slash < 0 ? k.substring(prefix.length()) : k.substring(prefix.length(), slash));
            }
        }
        return List.copyOf(names);
    }

    /**
     * Sets {@code path} to {@code value} and tells the watches of it.
     *
     * @throws KeyStoreException a malformed path or value, a path outside the caller's subtree, a key the host
     *                           owns, or a domain subtree that is full
     */
    public void write(Principal who, String path, String value) {
        KeyPath p = checked(who, path);
        if (p.equals(KeyPath.ROOT)) {
            throw new KeyStoreException(KeyStoreException.Reason.INVALID_PATH, "the root cannot hold a value");
        }
        checkValue(value);
        boolean host = who instanceof Principal.Host;
        synchronized (lock) {
            Entry old = keys.get(p.text());
            if (old != null && old.hostOwned() && !host) {
                throw new KeyStoreException(KeyStoreException.Reason.PERMISSION,
                        p + " belongs to the host and is read-only for the domain");
            }
            Integer owner = subtreeOwner(p);
            if (old == null && owner != null) {
                int n = keysPerDomain.getOrDefault(owner, 0);
                if (n >= limits.maxKeysPerDomain() && !host) {
                    throw new KeyStoreException(KeyStoreException.Reason.TOO_MANY_KEYS, "the subtree of domain "
                            + owner + " already holds " + n + " keys (at most " + limits.maxKeysPerDomain() + ")");
                }
                keysPerDomain.put(owner, n + 1);
            }
            keys.put(p.text(), new Entry(value, host || old != null && old.hostOwned()));
            for (Watch w : watches) {
                if (p.isWithin(w.path())) {
                    w.offer(new WatchEvent.Written(p, value));
                }
            }
        }
    }

    /**
     * Removes the key at {@code path} and every key below it, and tells the watches at, above and below it.
     *
     * @return whether anything was removed
     * @throws KeyStoreException a domain removing keys the host owns, or any path check
     */
    public boolean remove(Principal who, String path) {
        KeyPath p = checked(who, path);
        boolean host = who instanceof Principal.Host;
        synchronized (lock) {
            List<String> gone = new ArrayList<>();
            if (keys.containsKey(p.text())) {
                gone.add(p.text());
            }
            gone.addAll(below(p.text().equals("/") ? "/" : p.text() + "/").keySet());
            if (gone.isEmpty()) {
                return false;
            }
            if (!host) {
                for (String k : gone) {
                    if (keys.get(k).hostOwned()) {
                        throw new KeyStoreException(KeyStoreException.Reason.PERMISSION,
                                k + " belongs to the host and is read-only for the domain");
                    }
                }
            }
            for (String k : gone) {
                keys.remove(k);
                Integer owner = subtreeOwner(new KeyPath(k));
                if (owner != null) {
                    keysPerDomain.merge(owner, -1, (a, b) -> a + b == 0 ? null : a + b);
                }
            }
            for (Watch w : watches) {
                if (p.isWithin(w.path())) {
                    w.offer(new WatchEvent.Removed(p));
                } else if (w.path().isWithin(p)) {
                    // Report the watched path: a domain's watch must not learn paths outside its subtree.
                    w.offer(new WatchEvent.Removed(w.path()));
                }
            }
            return true;
        }
    }

    /**
     * Watches {@code path} and everything below it, from now on.
     *
     * @throws KeyStoreException a path outside the caller's subtree, or a domain with too many watches
     */
    public Watch watch(Principal who, String path) {
        KeyPath p = checked(who, path);
        synchronized (lock) {
            if (who instanceof Principal.Domain) {
                long n = watches.stream().filter(w -> w.owner().equals(who)).count();
                if (n >= limits.maxWatchesPerDomain()) {
                    throw new KeyStoreException(KeyStoreException.Reason.TOO_MANY_WATCHES, who + " already has "
                            + n + " watches (at most " + limits.maxWatchesPerDomain() + ")");
                }
            }
            Watch w = new Watch(this, who, p, limits.watchQueueCapacity());
            watches.add(w);
            return w;
        }
    }

    /** What the host does when domain {@code id} is gone: its keys are removed and its watches closed. */
    public void forgetDomain(int id) {
        Principal gone = Principal.domain(id);
        List<Watch> closing = new ArrayList<>();
        synchronized (lock) {
            remove(Principal.host(), domainPath(id));
            watches.removeIf(w -> {
                if (w.owner().equals(gone)) {
                    closing.add(w);
                    return true;
                }
                return false;
            });
        }
        closing.forEach(Watch::markClosed);
    }

    /** How many keys domain {@code id}'s subtree holds. */
    public int keyCount(int id) {
        synchronized (lock) {
            return keysPerDomain.getOrDefault(id, 0);
        }
    }

    void unregister(Watch w) {
        synchronized (lock) {
            watches.remove(w);
        }
    }

    private NavigableMap<String, Entry> below(String prefix) {
        // Every key that starts with prefix sorts between prefix and prefix with its last char incremented.
        String end = prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1);
        return keys.subMap(prefix, true, end, false);
    }

    private KeyPath checked(Principal who, String path) {
        KeyPath p = KeyPath.parse(path, limits);
        if (who instanceof Principal.Domain(int id) && !p.isWithin(new KeyPath(domainPath(id)))) {
            throw new KeyStoreException(KeyStoreException.Reason.PERMISSION,
                    "domain " + id + " may only use keys under " + domainPath(id) + ", not " + p);
        }
        return p;
    }

    private void checkValue(String value) {
        if (value == null) {
            throw new KeyStoreException(KeyStoreException.Reason.INVALID_VALUE, "no value");
        }
        // A cheap bound first, so a huge string is refused before it is encoded.
        if (value.length() > limits.maxValueBytes()
                || value.getBytes(StandardCharsets.UTF_8).length > limits.maxValueBytes()) {
            throw new KeyStoreException(KeyStoreException.Reason.INVALID_VALUE,
                    "value longer than " + limits.maxValueBytes() + " bytes");
        }
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            if (cp < 0x20 && cp != '\t' || cp == 0x7f
                    || cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
                throw new KeyStoreException(KeyStoreException.Reason.INVALID_VALUE,
                        "value holds a control character or broken UTF-16");
            }
            i += Character.charCount(cp);
        }
    }

    /** The id N of a path within {@code /local/domain/N}, written canonically; otherwise null. */
    private static Integer subtreeOwner(KeyPath p) {
        List<String> c = p.components();
        if (c.size() < 3 || !c.get(0).equals("local") || !c.get(1).equals("domain")) {
            return null;
        }
        String id = c.get(2);
        if (id.isEmpty() || id.length() > 9 || id.charAt(0) == '0') {
            return null;
        }
        for (int i = 0; i < id.length(); i++) {
            if (id.charAt(i) < '0' || id.charAt(i) > '9') {
                return null;
            }
        }
        return Integer.parseInt(id);
    }
}
