package dev.airlock.pendrive;

import dev.airlock.keystore.KeyStore;
import dev.airlock.keystore.KeyStoreException;
import dev.airlock.keystore.Principal;
import dev.airlock.keystore.Watch;
import dev.airlock.keystore.WatchEvent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Feeds the daemon from the key store, as {@code qfilexchgd} was fed by xenstore watches.
 *
 * <p>Which domains exist comes from the host-only folder {@link #DOMAINS} ({@code /vm/ID/name}, written by the
 * host when a domain starts, removed when it stops): no domain can write there, so none can fake another's
 * arrival or flood the watch the whole daemon depends on. Each known domain's {@code device/qpen} key has a
 * watch of its own, read by a thread of its own: a domain's requests are served in order, one domain's open
 * question does not hold up the others, and a domain that floods its key overflows only its own queue (after
 * which its current value is served once).
 */
public final class KeyStoreFeed implements AutoCloseable {
    /** Host-only folder of the running domains: {@code /vm/ID/name} holds the name of domain ID. */
    public static final String DOMAINS = "/vm";
    /** The key, below a domain's subtree, that a domain writes its requests to. */
    public static final String REQUEST_KEY = "device/qpen";
    /**
     * The host key, below a domain's subtree, that the outcome of each of its requests is written to:
     * {@code served: WHAT} or {@code refused: WHY}, so that the domain's tools can tell the user.
     */
    public static final String RESULT_KEY = "device/qpen_result";
    private static final int MAX_RESULT_CHARS = 1000;
    /** The host key, below a disposable's subtree, that tells its incoming handler it is one. */
    public static final String VM_TYPE_KEY = "qubes_vm_type";
    /** The value of {@link #VM_TYPE_KEY} in a disposable. */
    public static final String DISPOSABLE_TYPE = "DispVM";

    private record Feed(String name, Watch watch, Thread thread) {
    }

    private final KeyStore store;
    private final PendriveDaemon daemon;
    private final Consumer<String> log;
    private final Map<Integer, Feed> feeds = new HashMap<>();
    /** Read without the feed's lock: the daemon asks for ids while it holds its own lock. */
    private final Map<String, Integer> ids = new ConcurrentHashMap<>();
    private final Watch lifecycle;
    private final Thread lifecycleThread;

    /** Starts feeding {@code daemon} with the domains that are in {@code store} now and that appear later. */
    public KeyStoreFeed(KeyStore store, PendriveDaemon daemon, Consumer<String> log) {
        this.store = Objects.requireNonNull(store);
        this.daemon = Objects.requireNonNull(daemon);
        this.log = Objects.requireNonNull(log);
        this.lifecycle = store.watch(Principal.host(), DOMAINS);
        rescan();
        this.lifecycleThread = Thread.ofPlatform().daemon().name("pendrive-domains").start(this::followDomains);
    }

    /** The id of a running domain, by name. */
    public Optional<Integer> idOf(String name) {
        return Optional.ofNullable(ids.get(name));
    }

    /**
     * Writes a transfer's {@code qubes_blocksrc} and {@code qubes_transaction_seq} into {@code dest}'s subtree,
     * as the host (read-only for the domain). For a {@link PendriveHost#recordTransaction} implementation.
     *
     * @throws IllegalStateException {@code dest} is not a running domain
     */
    public void recordTransaction(String dest, String source, int transactionSeq) {
        int id = idOf(dest).orElseThrow(() -> new IllegalStateException(dest + " is not running"));
        store.write(Principal.host(), KeyStore.domainPath(id) + "/qubes_blocksrc", source);
        store.write(Principal.host(), KeyStore.domainPath(id) + "/qubes_transaction_seq",
                Integer.toString(transactionSeq));
    }

    private void followDomains() {
        try {
            for (WatchEvent e = lifecycle.take(); e != null; e = lifecycle.take()) {
                rescan();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Brings the feeds in line with {@code /vm}. Every lifecycle event, an overflow included, leads here: the
     * folder is small and reading it whole cannot miss a change. The daemon hears of gone domains after the
     * feed's lock is released, since the daemon may be waiting for {@link #idOf} under its own.
     */
    private void rescan() {
        Map<Integer, String> now = new HashMap<>();
        for (String child : store.list(Principal.host(), DOMAINS)) {
            Integer id = parseId(child);
            if (id != null) {
                store.read(Principal.host(), DOMAINS + "/" + child + "/name").ifPresent(n -> now.put(id, n));
            }
        }
        List<Feed> gone = new ArrayList<>();
        synchronized (this) {
            for (var it = feeds.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().name().equals(now.get(e.getKey()))) {
                    it.remove();
                    ids.remove(e.getValue().name(), e.getKey());
                    gone.add(e.getValue());
                }
            }
            now.forEach((id, name) -> {
                if (!feeds.containsKey(id)) {
                    String key = KeyStore.domainPath(id) + "/" + REQUEST_KEY;
                    Watch w = store.watch(Principal.host(), key);
                    Thread t = Thread.ofVirtual().name("pendrive-" + name).start(() -> serve(name, key, w));
                    feeds.put(id, new Feed(name, w, t));
                    ids.put(name, id);
                }
            });
        }
        for (Feed f : gone) {
            stop(f);
            daemon.domainGone(f.name());
            log.accept("pendrive: domain " + f.name() + " is gone");
        }
    }

    /**
     * Serves one domain's requests in order. A request written before the watch existed is served first; one
     * written just as the watch was made may so be seen twice, which the state machine refuses the second time.
     */
    private void serve(String name, String key, Watch w) {
        try {
            Optional<String> early = store.read(Principal.host(), key);
            if (early.isPresent()) {
                report(key, daemon.handle(name, early.get()));
            }
            for (WatchEvent e = w.take(); e != null; e = w.take()) {
                String value = switch (e) {
                    case WatchEvent.Written written -> written.value();
                    case WatchEvent.Removed r -> null;
                    case WatchEvent.Overflow o -> store.read(Principal.host(), key).orElse(null);
                };
                if (value != null) {
                    report(key, daemon.handle(name, value));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.accept("pendrive: serving " + name + " stopped: " + e);
        }
    }

    /** Writes {@code outcome} beside the request key {@code key}; a domain already gone is not told. */
    private void report(String key, PendriveDaemon.Outcome outcome) {
        String text = switch (outcome) {
            case PendriveDaemon.Outcome.Served(String what) -> "served: " + what;
            case PendriveDaemon.Outcome.Refused(String why) -> "refused: " + why;
        };
        String resultKey = key.substring(0, key.length() - REQUEST_KEY.length()) + RESULT_KEY;
        try {
            store.write(Principal.host(), resultKey, text.length() > MAX_RESULT_CHARS
                    ? text.substring(0, MAX_RESULT_CHARS) : text);
        } catch (KeyStoreException e) {
            log.accept("pendrive: cannot report to " + resultKey + ": " + e.getMessage());
        }
    }

    private static void stop(Feed f) {
        f.watch().close();
        f.thread().interrupt();
    }

    private static Integer parseId(String s) {
        if (s.isEmpty() || s.length() > 9 || s.charAt(0) == '0' || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        return Integer.parseInt(s);
    }

    /** Stops watching; the daemon keeps its state. */
    @Override
    public void close() throws InterruptedException {
        lifecycle.close();
        lifecycleThread.interrupt();
        List<Feed> all;
        synchronized (this) {
            all = List.copyOf(feeds.values());
            feeds.clear();
            ids.clear();
        }
        for (Feed f : all) {
            stop(f);
        }
        lifecycleThread.join(Duration.ofSeconds(5));
        for (Feed f : all) {
            f.thread().join(Duration.ofSeconds(5));
        }
    }
}
