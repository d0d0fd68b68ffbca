package dev.airlock.domain;

import dev.airlock.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The registry file: creation, atomic saves, locking between processes and threads, and the seed-004 race. */
@Timeout(120)
class RegistryTest {

    /** A reader in a tight loop would starve the writers: Linux grants shared locks while a writer waits. */
    private static final long READER_PAUSE_MS = 1;

    @TempDir
    Path tmp;

    @Test
    void aNewRegistryIsEmptyAndReadingDoesNotCreateTheFile() throws IOException {
        Registry registry = Registry.open(tmp.resolve("home"));
        assertThat(registry.read(Domains::size)).isZero();
        assertThat(registry.file()).doesNotExist();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(registry.home())))
                .isEqualTo("rwx------");
    }

    @Test
    void updatesAreSavedSortedReadableAndLeaveNoTemporaryFiles() throws IOException {
        Registry registry = Registry.open(tmp);
        registry.update(d -> DomainsTest.sample());
        registry.update(d -> d.replace(d.require("work").withAutostart(true)));
        boolean autostart = Registry.open(tmp).read(d -> d.require("work").autostart());
        assertThat(autostart).isTrue();
        assertThat(registry.view(name -> false).find("disp42").orElseThrow().template()).isEqualTo("dvm");
        String withUuids = Files.readString(registry.file(), StandardCharsets.UTF_8);
        assertThat(withUuids.split("\n    <uuid>[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}</uuid>\n",
                -1)).as("each domain's uuid first").hasSize(5);
        String xml = withUuids.replaceAll("    <uuid>[0-9a-f-]{36}</uuid>\n", "");
        assertThat(xml).isEqualTo("""
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- The airlock domain registry. airlock rewrites this file whole; change it with airlock prefs. -->
                <domains version="1">
                  <domain name="disp42" class="DispVM">
                    <label>red</label>
                    <template>dvm</template>
                  </domain>
                  <domain name="dvm" class="AppVM">
                    <label>red</label>
                    <template>fedora</template>
                    <default_dispvm>dvm</default_dispvm>
                    <template_for_dispvms>true</template_for_dispvms>
                  </domain>
                  <domain name="fedora" class="TemplateVM">
                    <label>black</label>
                  </domain>
                  <domain name="work" class="AppVM">
                    <label>blue</label>
                    <template>fedora</template>
                    <default_dispvm>dvm</default_dispvm>
                    <autostart>true</autostart>
                    <tag>b</tag>
                    <tag>projects</tag>
                  </domain>
                </domains>
                """);
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("domains.xml");
        }
    }

    @Test
    void aFailedChangeWritesNothing() throws IOException {
        Registry registry = Registry.open(tmp);
        registry.update(d -> DomainsTest.sample());
        byte[] before = Files.readAllBytes(registry.file());
        Object inode = Files.readAttributes(registry.file(), "unix:ino").get("ino");
        assertThatThrownBy(() -> registry.update(d -> d.remove("fedora"))).hasMessageContaining("cannot remove");
        registry.update(d -> d);
        assertThat(Files.readAllBytes(registry.file())).isEqualTo(before);
        assertThat(Files.readAttributes(registry.file(), "unix:ino").get("ino")).as("not rewritten").isEqualTo(inode);
    }

    @Test
    void reenteringFromTheSameThreadFailsLoudly() throws IOException {
        Registry registry = Registry.open(tmp);
        Registry sameFile = Registry.open(tmp.resolve(".").resolve("..").resolve(tmp.getFileName()));
        assertThatThrownBy(() -> registry.read(d -> readQuietly(registry)))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("lock already taken");
        assertThatThrownBy(() -> registry.update(d -> readQuietly(sameFile)))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("lock already taken");
        assertThat(registry.read(Domains::size)).as("the failure released the lock").isZero();
    }

    private static Domains readQuietly(Registry r) {
        try {
            return r.read(d -> d);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void threadsOfOneProcessAreSerialised() throws Exception {
        Registry registry = Registry.open(tmp);
        int threads = 8;
        int each = 25;
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String prefix = "t" + t + "n";
                // Each thread opens its own Registry: serialisation must hold across instances too.
                futures.add(pool.submit(() -> {
                    Registry mine = Registry.open(tmp);
                    for (int i = 0; i < each; i++) {
                        String name = prefix + i;
                        mine.update(d -> d.add(Domain.of(name, DomainClass.APP_VM, Label.RED)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
        assertThat(registry.read(Domains::size)).isEqualTo(threads * each);
    }

    /**
     * 10 processes each make 100 updates at once while this process reads in a loop, both with the lock and,
     * as a careless tool would, without it: no update is lost and the file always parses.
     */
    @Test
    void tenProcessesTimesHundredUpdatesLoseNothingAndTheFileAlwaysParses() throws Exception {
        Registry registry = Registry.open(tmp);
        int processes = 10;
        int each = 100;
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> readerFailure = new AtomicReference<>();
        AtomicInteger lockedReads = new AtomicInteger();
        AtomicInteger rawReads = new AtomicInteger();
        Thread locked = Thread.ofPlatform().start(() -> {
            int last = 0;
            try {
                while (!done.get()) {
                    int n = registry.read(Domains::size);
                    assertThat(n).as("the count never goes back").isGreaterThanOrEqualTo(last);
                    last = n;
                    lockedReads.incrementAndGet();
                    // Part of the scenario: the readers' pace beside the writers.
                    Thread.sleep(READER_PAUSE_MS);
                }
            } catch (Throwable t) {
                readerFailure.compareAndSet(null, t);
            }
        });
        Thread raw = Thread.ofPlatform().start(() -> {
            try {
                while (!done.get()) {
                    if (Files.exists(registry.file())) {
                        RegistryXml.parse(Files.readAllBytes(registry.file()));
                        rawReads.incrementAndGet();
                        // Part of the scenario, as above.
                        Thread.sleep(READER_PAUSE_MS);
                    }
                }
            } catch (Throwable t) {
                readerFailure.compareAndSet(null, t);
            }
        });
        long start = System.nanoTime();
        List<Process> children = new ArrayList<>();
        for (int p = 0; p < processes; p++) {
            children.add(child("add", "p" + p + "n", String.valueOf(each)).start());
        }
        for (Process p : children) {
            assertThat(waitFor(p)).as(errorOf(p)).isZero();
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        done.set(true);
        locked.join();
        raw.join();
        assertThat(readerFailure.get()).isNull();
        assertThat(registry.read(Domains::size)).isEqualTo(processes * each);
        System.out.printf("registry: %d processes x %d updates in %d ms (%d locked reads, %d unlocked reads)%n",
                processes, each, millis, lockedReads.get(), rawReads.get());
    }

    /**
     * Seed 004: this process holds the exclusive lock; another process opens the registry and waits for the
     * lock; this process saves (renaming a new file over the old one) and unlocks. Without the identity check
     * the waiter gets the lock on the old, unlinked file, reads the registry as it was, and its save throws
     * this process's update away. With the check it sees the file was replaced, opens the new one, and keeps
     * both updates.
     */
    @Test
    void waiterOnAReplacedFileLosesAnUpdateWithoutTheIdentityCheck() throws Exception {
        assertThat(race(false)).containsExactly("waiter");
    }

    @Test
    void identityCheckKeepsTheUpdateOfTheProcessThatReplacedTheFile() throws Exception {
        assertThat(race(true)).containsExactly("holder", "waiter");
    }

    private List<String> race(boolean checkIdentity) throws Exception {
        Registry registry = Registry.open(tmp);
        registry.update(d -> Domains.empty());
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> {
            try {
                registry.update(d -> {
                    locked.countDown();
                    await(release);
                    return d.add(Domain.of("holder", DomainClass.APP_VM, Label.RED));
                });
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertThat(locked.await(30, TimeUnit.SECONDS)).isTrue();
        Process waiter = (checkIdentity ? child("add", "waiter", "1") : child("add-unchecked", "waiter")).start();
        awaitBlockedOnLock(waiter.pid());
        release.countDown();
        holder.join();
        assertThat(waitFor(waiter)).as(errorOf(waiter)).isZero();
        return registry.read(d -> d.all().stream().map(Domain::name).map(n -> n.replaceAll("0$", "")).toList());
    }

    /** Waits until the process appears in /proc/locks as waiting for a lock (the kernel's "->" lines). */
    private static void awaitBlockedOnLock(long pid) throws IOException, InterruptedException {
        Await.until(Duration.ofSeconds(30), "process " + pid + " waits for the registry's lock",
                () -> Files.readAllLines(Path.of("/proc/locks")).stream().map(line -> line.trim().split("\\s+"))
                        .anyMatch(f -> f.length > 5 && f[1].equals("->") && f[2].equals("POSIX")
                                && f[5].equals(String.valueOf(pid))));
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private ProcessBuilder child(String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), RegistryChild.class.getName(), tmp.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(Map.of("LC_ALL", "C.UTF-8"));
        return pb;
    }

    private static int waitFor(Process p) throws InterruptedException {
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child process " + p.pid() + " did not finish");
        }
        return p.exitValue();
    }

    private static String errorOf(Process p) {
        try {
            return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
