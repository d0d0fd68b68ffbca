package dev.airlock.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KeyStoreTest {
    private static final Principal HOST = Principal.host();
    private static final Principal WORK = Principal.domain(3);
    private static final Principal PERSONAL = Principal.domain(4);
    private static final Duration SHORT = Duration.ofMillis(50);

    private final KeyStore store = new KeyStore(Limits.DEFAULT);

    private static KeyStoreException.Reason reasonOf(Runnable r) {
        try {
            r.run();
        } catch (KeyStoreException e) {
            return e.reason();
        }
        throw new AssertionError("no KeyStoreException");
    }

    @Test
    void readsBackWhatWasWritten() {
        store.write(WORK, "/local/domain/3/device/qpen", "send personal");
        assertThat(store.read(WORK, "/local/domain/3/device/qpen")).contains("send personal");
        assertThat(store.read(HOST, "/local/domain/3/device/qpen")).contains("send personal");
        assertThat(store.read(WORK, "/local/domain/3/device")).isEmpty();
        assertThat(store.list(WORK, "/local/domain/3")).containsExactly("device");
        assertThat(store.list(HOST, "/")).containsExactly("local");
    }

    @Test
    void domainCannotWriteAnotherDomainsSubtree() {
        assertThat(reasonOf(() -> store.write(WORK, "/local/domain/4/device/qpen", "new")))
                .isEqualTo(KeyStoreException.Reason.PERMISSION);
        assertThat(reasonOf(() -> store.write(WORK, "/local/domain/31/x", "v")))
                .as("a longer id with the same prefix is another domain")
                .isEqualTo(KeyStoreException.Reason.PERMISSION);
        assertThat(reasonOf(() -> store.write(WORK, "/local/domain/03/x", "v")))
                .isEqualTo(KeyStoreException.Reason.PERMISSION);
        assertThat(reasonOf(() -> store.write(WORK, "/vm/x", "v"))).isEqualTo(KeyStoreException.Reason.PERMISSION);
        assertThat(store.read(HOST, "/local/domain/4/device/qpen")).isEmpty();
    }

    @Test
    void domainCannotReadAnotherDomainsSubtree() {
        store.write(PERSONAL, "/local/domain/4/secret", "s");
        assertThat(reasonOf(() -> store.read(WORK, "/local/domain/4/secret")))
                .isEqualTo(KeyStoreException.Reason.PERMISSION);
        assertThat(reasonOf(() -> store.list(WORK, "/local/domain")))
                .isEqualTo(KeyStoreException.Reason.PERMISSION);
    }

    @Test
    void domainCannotRemoveAnotherDomainsKeys() {
        store.write(PERSONAL, "/local/domain/4/x", "s");
        assertThat(reasonOf(() -> store.remove(WORK, "/local/domain/4"))).isEqualTo(KeyStoreException.Reason.PERMISSION);
        assertThat(reasonOf(() -> store.remove(WORK, "/"))).isEqualTo(KeyStoreException.Reason.PERMISSION);
        assertThat(store.read(HOST, "/local/domain/4/x")).contains("s");
    }

    @Test
    void domainCannotWatchAnotherDomainsKeys() {
        assertThat(reasonOf(() -> store.watch(WORK, "/local/domain/4"))).isEqualTo(KeyStoreException.Reason.PERMISSION);
        assertThat(reasonOf(() -> store.watch(WORK, "/local/domain"))).isEqualTo(KeyStoreException.Reason.PERMISSION);
        assertThat(reasonOf(() -> store.watch(WORK, "/"))).isEqualTo(KeyStoreException.Reason.PERMISSION);
    }

    @Test
    void domainCannotRenameItself() {
        store.write(HOST, "/local/domain/3/name", "work");
        assertThat(reasonOf(() -> store.write(WORK, "/local/domain/3/name", "personal")))
                .isEqualTo(KeyStoreException.Reason.PERMISSION);
        assertThat(reasonOf(() -> store.remove(WORK, "/local/domain/3/name")))
                .isEqualTo(KeyStoreException.Reason.PERMISSION);
        assertThat(reasonOf(() -> store.remove(WORK, "/local/domain/3")))
                .as("removing a folder that holds a host key").isEqualTo(KeyStoreException.Reason.PERMISSION);
        assertThat(store.read(HOST, "/local/domain/3/name")).contains("work");
    }

    @Test
    void pathTraversalRefused() {
        for (String bad : List.of("/local/domain/3/..", "/local/domain/3/../4/x", "/local/domain/3/./x",
                "local/domain/3/x", "/local//domain/3", "/local/domain/3/", "", "/local/domain/3/a b",
                "/local/domain/3/x\u0000", "/local/domain/3/\u00e9", "/local/domain/3/x\\y")) {
            assertThat(reasonOf(() -> store.write(WORK, bad, "v"))).as(bad)
                    .isEqualTo(KeyStoreException.Reason.INVALID_PATH);
        }
        assertThat(reasonOf(() -> store.read(HOST, null))).isEqualTo(KeyStoreException.Reason.INVALID_PATH);
        assertThatThrownBy(() -> new KeyPath("/a/../b")).isInstanceOf(KeyStoreException.class);
    }

    @Test
    void pathOverLimitsRefused() {
        Limits small = new Limits(64, 6, 16, 4, 2, 4);
        KeyStore s = new KeyStore(small);
        assertThat(reasonOf(() -> s.write(WORK, "/local/domain/3/a/b/c/d", "v")))
                .as("seven components").isEqualTo(KeyStoreException.Reason.INVALID_PATH);
        s.write(WORK, "/local/domain/3/a/b/c", "v");
        assertThat(reasonOf(() -> s.write(WORK, "/local/domain/3/" + "x".repeat(60), "v")))
                .isEqualTo(KeyStoreException.Reason.INVALID_PATH);
        assertThat(reasonOf(() -> KeyPath.parse("/" + "x".repeat(256), Limits.DEFAULT)))
                .as("one component over 255").isEqualTo(KeyStoreException.Reason.INVALID_PATH);
    }

    @Test
    void valueOverLimitRefused() {
        KeyStore s = new KeyStore(new Limits(64, 6, 16, 4, 2, 4));
        s.write(WORK, "/local/domain/3/v", "x".repeat(16));
        assertThat(reasonOf(() -> s.write(WORK, "/local/domain/3/v", "x".repeat(17))))
                .isEqualTo(KeyStoreException.Reason.INVALID_VALUE);
        assertThat(reasonOf(() -> s.write(WORK, "/local/domain/3/v", "\u00e9".repeat(9))))
                .as("18 bytes of UTF-8 in 9 chars").isEqualTo(KeyStoreException.Reason.INVALID_VALUE);
        assertThat(s.read(WORK, "/local/domain/3/v")).contains("x".repeat(16));
    }

    @Test
    void controlCharactersInValuesRefused() {
        for (String bad : List.of("a\nb", "a\u0000", "\u001b[2J", "x\u007f", "\ud800")) {
            assertThat(reasonOf(() -> store.write(WORK, "/local/domain/3/v", bad)))
                    .isEqualTo(KeyStoreException.Reason.INVALID_VALUE);
        }
        store.write(WORK, "/local/domain/3/v", "send\twork \u00e9 \ud83d\ude00");
        assertThat(store.read(WORK, "/local/domain/3/v")).contains("send\twork \u00e9 \ud83d\ude00");
    }

    @Test
    void domainCannotExhaustKeys() {
        KeyStore s = new KeyStore(new Limits(64, 6, 16, 4, 2, 4));
        for (int i = 0; i < 4; i++) {
            s.write(WORK, "/local/domain/3/k" + i, "v");
        }
        s.write(WORK, "/local/domain/3/k0", "overwrite");
        assertThat(reasonOf(() -> s.write(WORK, "/local/domain/3/k4", "v")))
                .isEqualTo(KeyStoreException.Reason.TOO_MANY_KEYS);
        assertThat(s.keyCount(3)).isEqualTo(4);
        s.write(PERSONAL, "/local/domain/4/k", "own quota");
        s.remove(WORK, "/local/domain/3/k1");
        s.write(WORK, "/local/domain/3/k4", "room");
        assertThat(s.keyCount(3)).isEqualTo(4);
    }

    @Test
    void domainCannotExhaustWatches() {
        KeyStore s = new KeyStore(new Limits(64, 6, 16, 4, 2, 4));
        Watch a = s.watch(WORK, "/local/domain/3");
        s.watch(WORK, "/local/domain/3/x");
        assertThat(reasonOf(() -> s.watch(WORK, "/local/domain/3/y")))
                .isEqualTo(KeyStoreException.Reason.TOO_MANY_WATCHES);
        a.close();
        s.watch(WORK, "/local/domain/3/y");
    }

    @Test
    void watchSeesWritesAndRemovalsBelowIt() throws Exception {
        Watch w = store.watch(HOST, "/local/domain");
        store.write(HOST, "/local/domain/3/name", "work");
        store.write(WORK, "/local/domain/3/device/qpen", "new");
        store.write(HOST, "/other", "not watched");
        store.remove(HOST, "/local/domain/3");
        assertThat(w.poll(SHORT)).isEqualTo(new WatchEvent.Written(new KeyPath("/local/domain/3/name"), "work"));
        assertThat(w.poll(SHORT)).isEqualTo(new WatchEvent.Written(new KeyPath("/local/domain/3/device/qpen"), "new"));
        assertThat(w.poll(SHORT)).isEqualTo(new WatchEvent.Removed(new KeyPath("/local/domain/3")));
        assertThat(w.poll(SHORT)).isNull();
    }

    @Test
    void watchBelowARemovedFolderSeesItsOwnPathOnly() throws Exception {
        store.write(WORK, "/local/domain/3/device/qpen", "new");
        Watch w = store.watch(WORK, "/local/domain/3/device");
        store.remove(HOST, "/local");
        assertThat(w.poll(SHORT)).isEqualTo(new WatchEvent.Removed(new KeyPath("/local/domain/3/device")));
    }

    @Test
    void domainWatchSeesNothingOfOtherDomains() throws Exception {
        Watch w = store.watch(WORK, "/local/domain/3");
        store.write(PERSONAL, "/local/domain/4/device/qpen", "new");
        store.write(HOST, "/local/domain/30/name", "lookalike");
        assertThat(w.poll(SHORT)).isNull();
    }

    @Test
    void slowWatcherCannotBlockWriters() throws Exception {
        KeyStore s = new KeyStore(new Limits(64, 6, 64, 100, 2, 8));
        Watch idle = s.watch(WORK, "/local/domain/3");
        long start = System.nanoTime();
        for (int i = 0; i < 100_000; i++) {
            s.write(WORK, "/local/domain/3/device/qpen", "send personal " + i);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        assertThat(idle.queued()).as("bounded queue").isEqualTo(8);
        for (int i = 0; i < 8; i++) {
            assertThat(idle.poll(SHORT)).isEqualTo(new WatchEvent.Written(
                    new KeyPath("/local/domain/3/device/qpen"), "send personal " + i));
        }
        assertThat(idle.poll(SHORT)).isEqualTo(new WatchEvent.Overflow());
        assertThat(idle.poll(SHORT)).isNull();
        s.write(WORK, "/local/domain/3/device/qpen", "after");
        assertThat(idle.poll(SHORT)).isEqualTo(new WatchEvent.Written(
                new KeyPath("/local/domain/3/device/qpen"), "after"));
    }

    @Test
    void overflowIsReportedAfterTheQueuedEventsAndDropsEverythingUntilThen() throws Exception {
        KeyStore s = new KeyStore(new Limits(64, 6, 64, 100, 2, 2));
        Watch w = s.watch(HOST, "/");
        s.write(HOST, "/a", "1");
        s.write(HOST, "/a", "2");
        s.write(HOST, "/a", "3");
        assertThat(w.poll(SHORT)).isEqualTo(new WatchEvent.Written(new KeyPath("/a"), "1"));
        s.write(HOST, "/a", "4");
        assertThat(w.poll(SHORT)).isEqualTo(new WatchEvent.Written(new KeyPath("/a"), "2"));
        assertThat(w.poll(SHORT)).isEqualTo(new WatchEvent.Overflow());
        assertThat(s.read(HOST, "/a")).as("the rescan the overflow asks for").contains("4");
    }

    @Test
    void takeWakesOnAWriteFromAnotherThreadAndOnClose() throws Exception {
        Watch w = store.watch(WORK, "/local/domain/3");
        ExecutorService pool = Executors.newFixedThreadPool(1);
        try {
            Future<WatchEvent> next = pool.submit(w::take);
            // Stays a sleep: there is no sign that take() is blocked; it only makes the wake-up path likely, and
            // the test holds either way.
            Thread.sleep(20);
            store.write(WORK, "/local/domain/3/x", "v");
            assertThat(next.get(5, TimeUnit.SECONDS)).isInstanceOf(WatchEvent.Written.class);
            Future<WatchEvent> none = pool.submit(w::take);
            // Stays a sleep, as above.
            Thread.sleep(20);
            w.close();
            assertThat(none.get(5, TimeUnit.SECONDS)).isNull();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void forgottenDomainLosesKeysAndWatches() throws Exception {
        store.write(HOST, "/local/domain/3/name", "work");
        store.write(WORK, "/local/domain/3/device/qpen", "new");
        Watch own = store.watch(WORK, "/local/domain/3");
        Watch host = store.watch(HOST, "/local/domain");
        store.forgetDomain(3);
        assertThat(store.list(HOST, "/local/domain")).isEmpty();
        assertThat(store.keyCount(3)).isZero();
        assertThat(own.isClosed()).isTrue();
        assertThat(own.poll(SHORT)).isNull();
        assertThat(host.poll(SHORT)).isEqualTo(new WatchEvent.Removed(new KeyPath("/local/domain/3")));
        for (int i = 0; i < Limits.DEFAULT.maxWatchesPerDomain(); i++) {
            store.watch(WORK, "/local/domain/3");
        }
    }

    @Test
    void concurrentWritersLoseNoKeyAndKeepCountsExact() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int d = 1; d <= 8; d++) {
            Principal dom = Principal.domain(d);
            int id = d;
            done.add(pool.submit(() -> {
                for (int i = 0; i < 200; i++) {
                    store.write(dom, "/local/domain/" + id + "/k" + i, "v" + i);
                    if (i % 2 == 1) {
                        store.remove(dom, "/local/domain/" + id + "/k" + i);
                    }
                }
            }));
        }
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        for (int d = 1; d <= 8; d++) {
            assertThat(store.keyCount(d)).isEqualTo(100);
            assertThat(store.list(HOST, "/local/domain/" + d)).hasSize(100);
        }
    }
}
