package dev.airlock.policy;

import dev.airlock.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static dev.airlock.policy.TestDomains.write;
import static org.assertj.core.api.Assertions.assertThat;

class PolicyStoreTest {

    @TempDir
    Path dir;

    private static final Request CALL = new Request("work", "personal", "test.Svc", "");

    private static Decision decide(PolicyStore store) {
        return store.evaluate(CALL, TestDomains.ALL);
    }

    /** Replaces a file by renaming a new one over it: a new inode, so the change is seen within a clock tick. */
    private static void rewrite(Path dir, String name, String text) throws IOException {
        Path tmp = write(dir, "." + name + ".tmp", text);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void awaitDecision(PolicyStore store, Class<? extends Decision> expected)
            throws InterruptedException {
        assertThat(Await.last(Await.DEFAULT_LIMIT, () -> decide(store), expected::isInstance))
                .isInstanceOf(expected);
    }

    @Test
    void unchangedFilesAreNotReloaded() {
        write(dir, "50-a.policy", "test.Svc * work personal allow\n");
        try (PolicyStore store = PolicyStore.openManual(dir)) {
            Policy before = store.current();
            assertThat(store.refresh()).isFalse();
            assertThat(store.current()).isSameAs(before);
        }
    }

    @Test
    void changedAddedAndRemovedFilesAreReloaded() throws IOException {
        write(dir, "50-a.policy", "test.Svc * work personal allow\n");
        try (PolicyStore store = PolicyStore.openManual(dir)) {
            assertThat(decide(store)).isInstanceOf(Decision.Allow.class);

            rewrite(dir, "50-a.policy", "test.Svc * work personal ask\n");
            assertThat(store.refresh()).isTrue();
            assertThat(decide(store)).isInstanceOf(Decision.Ask.class);

            write(dir, "10-first.policy", "test.Svc * work personal deny\n");
            assertThat(store.refresh()).isTrue();
            assertThat(decide(store)).isInstanceOf(Decision.Deny.class);

            Files.delete(dir.resolve("10-first.policy"));
            assertThat(store.refresh()).isTrue();
            assertThat(decide(store)).isInstanceOf(Decision.Ask.class);
        }
    }

    @Test
    void changeInAnIncludedFileIsReloaded() throws IOException {
        write(dir, "50-a.policy", "!include inc/rules\n");
        write(dir, "inc/rules", "test.Svc * work personal deny\n");
        try (PolicyStore store = PolicyStore.openManual(dir)) {
            assertThat(decide(store)).isInstanceOf(Decision.Deny.class);
            rewrite(dir.resolve("inc"), "rules", "test.Svc * work personal allow\n");
            assertThat(store.refresh()).isTrue();
            assertThat(decide(store)).isInstanceOf(Decision.Allow.class);
        }
    }

    @Test
    void creatingAMissingIncludeIsReloaded() throws IOException {
        write(dir, "50-a.policy", "!include later.rules\n");
        try (PolicyStore store = PolicyStore.openManual(dir)) {
            assertThat(store.current().errors()).isNotEmpty();
            write(dir, "later.rules", "test.Svc * work personal allow\n");
            assertThat(store.refresh()).isTrue();
            assertThat(store.current().errors()).isEmpty();
            assertThat(decide(store)).isInstanceOf(Decision.Allow.class);
        }
    }

    @Test
    void brokenEditReplacesAGoodPolicyAndDeniesUntilFixed() throws IOException {
        write(dir, "50-a.policy", "test.Svc * work personal allow\n");
        try (PolicyStore store = PolicyStore.openManual(dir)) {
            rewrite(dir, "50-a.policy", "test.Svc * work personal allow notify=sometimes\n");
            store.refresh();
            assertThat(decide(store)).isInstanceOf(Decision.Deny.class);
            rewrite(dir, "50-a.policy", "test.Svc * work personal allow notify=yes\n");
            store.refresh();
            assertThat(decide(store)).isInstanceOf(Decision.Allow.class);
        }
    }

    @Test
    void evaluationDoesNotWaitForAReloadInProgress() throws Exception {
        write(dir, "50-a.policy", "test.Svc * work personal allow\n");
        try (PolicyStore store = PolicyStore.openManual(dir)) {
            java.util.concurrent.CountDownLatch reloading = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            // refresh() holds the store's lock for the whole reload; hold it the same way, for as long as we like.
            Thread reloader = Thread.ofPlatform().start(() -> {
                synchronized (store) {
                    reloading.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            reloading.await();
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(2),
                    () -> assertThat(decide(store)).isInstanceOf(Decision.Allow.class));
            release.countDown();
            reloader.join();
        }
    }

    @Test
    void backgroundCheckPicksUpAChangeWithoutAnyCallToRefresh() throws Exception {
        write(dir, "50-a.policy", "test.Svc * work personal deny\n");
        try (PolicyStore store = PolicyStore.open(dir, Duration.ofMillis(5), Duration.ofMillis(20))) {
            assertThat(decide(store)).isInstanceOf(Decision.Deny.class);
            rewrite(dir, "50-a.policy", "test.Svc * work personal allow\n");
            awaitDecision(store, Decision.Allow.class);
        }
    }

    @Test
    void fileStillBeingWrittenInPlaceIsNotPutInForceHalfWritten() throws Exception {
        Path file = write(dir, "50-a.policy", "test.Svc * work personal deny\n");
        try (PolicyStore store = PolicyStore.open(dir, Duration.ofMillis(1), Duration.ofMillis(300))) {
            try (var out = Files.newOutputStream(file)) {
                out.write("test.Svc * work personal allow\n".getBytes());
                out.flush();
                long until = System.nanoTime() + Duration.ofMillis(50).toNanos();
                while (System.nanoTime() < until) {
                    assertThat(decide(store)).isInstanceOf(Decision.Deny.class);
                    // Part of the scenario, not a wait: the half-written file is looked at over the whole window.
                    Thread.sleep(1);
                }
                out.write("x.Svc * @anyvm @anyvm deny\n".getBytes());
            }
            assertThat(Await.last(Await.DEFAULT_LIMIT, () -> store.current().rules(), r -> r.size() == 2))
                    .hasSize(2);
        }
    }

    /**
     * Each version of the policy is two files whose rules all carry the version's number in their argument.
     * While a writer keeps replacing the files (one after the other, as a person editing two files would) and
     * the store keeps checking, readers must only ever see complete versions: all rules of one number, and as
     * many as a version has.
     */
    @Test
    void concurrentReadersNeverSeeAHalfLoadedPolicy() throws Exception {
        writeVersion(0);
        try (PolicyStore store = PolicyStore.open(dir, Duration.ofMillis(1), Duration.ofMillis(200))) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<String> torn = new AtomicReference<>();
            List<Thread> readers = new ArrayList<>();
            Set<Integer> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
            for (int i = 0; i < 3; i++) {
                readers.add(Thread.ofPlatform().start(() -> {
                    while (!stop.get()) {
                        // Each file in force is whole and from one version. Two files written one after the
                        // other may be in force at different versions: a writer slower than the settle window
                        // (a loaded machine, or a person) is indistinguishable from two separate edits.
                        Policy p = store.current();
                        var byFile = p.rules().stream().collect(java.util.stream.Collectors.groupingBy(
                                Policy.RuleText::file, java.util.stream.Collectors.mapping(Policy.RuleText::argument,
                                        java.util.stream.Collectors.toList())));
                        boolean whole = p.errors().isEmpty() && byFile.size() == 2 && byFile.values().stream()
                                .allMatch(args -> args.size() == 10 && args.stream().distinct().count() == 1);
                        if (!whole) {
                            torn.compareAndSet(null, byFile + " " + p.errors());
                        } else {
                            byFile.values().forEach(args -> seen.add(Integer.parseInt(args.getFirst().substring(2))));
                        }
                    }
                }));
            }
            for (int v = 1; v <= 60; v++) {
                writeVersion(v);
                // Part of the scenario: the writer's pace, so that the readers see many versions go by.
                Thread.sleep(1);
            }
            Await.within(Await.DEFAULT_LIMIT, () -> seen.contains(60));
            stop.set(true);
            for (Thread t : readers) {
                t.join();
            }
            assertThat(torn.get()).isNull();
            assertThat(seen).contains(0, 60);
        }
    }

    private void writeVersion(int v) throws IOException {
        for (String file : List.of("10-a.policy", "20-b.policy")) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                b.append("svc").append(i).append(" +v").append(v).append(" @anyvm @anyvm deny\n");
            }
            rewrite(dir, file, b.toString());
        }
    }
}
