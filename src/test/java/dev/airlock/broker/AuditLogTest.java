package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.testing.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log stays bounded on disk and quick to read however much a domain makes the broker write. */
class AuditLogTest {
    @TempDir
    Path tmp;

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private static AuditLog.Entry denied(int i, String argument) {
        return new AuditLog.Entry(T0.plusMillis(i), "work", "vault", "test.Ping", argument, "50-test.policy:1",
                "deny", "refused by policy: denied " + i);
    }

    @Test
    void rotationKeepsAtMostNFilesWhateverIsWritten() throws IOException {
        Path file = tmp.resolve("audit.jsonl");
        AuditLog log = new AuditLog(file, 4096, 3);
        for (int i = 0; i < 2000; i++) {
            log.append(denied(i, "x"));
        }
        log.close();
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("audit.jsonl", "audit.jsonl.1", "audit.jsonl.2", "audit.jsonl.3");
        }
        for (Path p : List.of(file, log.rotatedFile(1), log.rotatedFile(2), log.rotatedFile(3))) {
            assertThat(Files.size(p)).isLessThanOrEqualTo(4096);
            assertThat(Files.getPosixFilePermissions(p)).hasSize(2);
        }
        // The reader sees the kept files oldest first, ending with the newest entry.
        List<AuditLog.Entry> all = log.read(e -> true);
        assertThat(all.getLast()).isEqualTo(denied(1999, "x"));
        assertThat(all).isSortedAccordingTo((a, b) -> a.time().compareTo(b.time()));
        assertThat(log.last(3, e -> true).entries()).isEqualTo(all.subList(all.size() - 3, all.size()));
    }

    @Test
    void lastTwoAfterALargeLogReadsOnlyItsEnd() throws IOException {
        Path file = tmp.resolve("audit.jsonl");
        AuditLog log = new AuditLog(file);
        for (int i = 0; i < 100_000; i++) {
            log.append(denied(i, "a".repeat(i % 50)));
        }
        log.close();
        assertThat(Files.size(file)).isGreaterThan(4L << 20);

        AuditLog.Tail tail = log.last(2, e -> true);
        assertThat(tail.entries()).containsExactly(denied(99_998, "a".repeat(48)), denied(99_999, "a".repeat(49)));
        assertThat(tail.bytesRead()).isLessThanOrEqualTo(64 * 1024);
        // A filter that matches only far back reads further, but stops at the match.
        AuditLog.Tail old = log.last(1, e -> e.detail().endsWith(" 99000"));
        assertThat(old.entries()).containsExactly(denied(99_000, "a".repeat(0)));
        assertThat(old.bytesRead()).isLessThan(Files.size(file) / 10);
    }

    @Test
    void lastReadsOnIntoTheRotatedFilesAndSkipsDamagedLines() throws IOException {
        Path file = tmp.resolve("audit.jsonl");
        AuditLog log = new AuditLog(file, 1024, 5);
        for (int i = 0; i < 30; i++) {
            log.append(denied(i, ""));
        }
        log.close();
        Files.writeString(file, "{\"time\": broken\n" + "x".repeat(100_000) + "\n",
                java.nio.file.StandardOpenOption.APPEND);
        List<AuditLog.Entry> tail = log.last(25, e -> true).entries();
        assertThat(tail).hasSize(25).last().isEqualTo(denied(29, ""));
        assertThat(tail.getFirst()).isEqualTo(denied(5, ""));
        assertThat(log.last(100, e -> true).entries()).isEqualTo(log.read(e -> true));
    }

    @Test
    void foldedRecordCarriesTheCountOfTheRepeats() throws IOException {
        Path file = tmp.resolve("audit.jsonl");
        AtomicReference<Instant> now = new AtomicReference<>(T0);
        AuditLog log = new AuditLog(file);
        try (AuditFold fold = new AuditFold(log, Duration.ofSeconds(10), now::get)) {
            for (int i = 0; i < 500; i++) {
                now.set(T0.plusMillis(i));
                fold.record(denied(i, "x"));
            }
            // Another kind is not folded into the first.
            fold.record(denied(500, "y"));
            assertThat(log.read(e -> true)).hasSize(2);
            now.set(T0.plusSeconds(11));
            fold.flush();
        }
        List<AuditLog.Entry> all = log.read(e -> true);
        assertThat(all).hasSize(3);
        assertThat(all.get(0)).isEqualTo(denied(0, "x"));
        assertThat(all.get(2).count()).isEqualTo(499);
        assertThat(all.get(2).argument()).isEqualTo("x");
        assertThat(all.get(2).detail()).startsWith("refused by policy: denied 499 (repeated 499 times since ");
        assertThat(Files.readAllLines(file).get(2)).contains("\"count\":499");
    }

    @Test
    void foldedCountReachesTheLogWhenTheRepeatsStop() throws Exception {
        Path file = tmp.resolve("audit.jsonl");
        AuditLog log = new AuditLog(file);
        try (AuditFold fold = new AuditFold(log, Duration.ofMillis(200), Instant::now)) {
            IntStream.range(0, 5).forEach(i -> {
                try {
                    fold.record(denied(i, "x"));
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            });
            Await.within(Await.DEFAULT_LIMIT, () -> !log.read(e -> e.count() == 4).isEmpty());
            assertThat(log.read(e -> true)).extracting(AuditLog.Entry::count).containsExactly(1, 4);
        }
    }

    @Test
    void tooManyKindsAtOnceFlushTheOldestInsteadOfGrowing() throws IOException {
        AuditLog log = new AuditLog(tmp.resolve("audit.jsonl"));
        try (AuditFold fold = new AuditFold(log, Duration.ofHours(1), () -> T0)) {
            for (int i = 0; i <= AuditFold.MAX_OPEN; i++) {
                fold.record(denied(0, "k" + i));
            }
            fold.record(denied(1, "k0"));
            fold.record(denied(2, "k0"));
            // k0's run was closed to make room: its repeat opened a new one, written at once.
            assertThat(log.read(e -> "k0".equals(e.argument()))).hasSize(2);
        }
        assertThat(log.read(e -> "k0".equals(e.argument()))).extracting(AuditLog.Entry::count)
                .containsExactly(1, 1, 1);
    }
}
