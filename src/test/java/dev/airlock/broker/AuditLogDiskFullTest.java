package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.testing.SmallDisk;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker's state folder runs out of space while decisions are logged (issue 17). */
class AuditLogDiskFullTest {
    @TempDir
    Path tmp;

    private static AuditLog.Entry entry(int i) {
        return new AuditLog.Entry(Instant.parse("2026-12-03T10:00:00Z").plusMillis(i), "work", "vault",
                "qubes.Filecopy", null, "30-test.policy:1", "allow", "copy " + i + " " + "x".repeat(i % 300));
    }

    @Test
    void aFullDiskNeverLeavesHalfARecordThatSpoilsTheNextOne() throws Exception {
        Path state = Files.createDirectories(tmp.resolve("state"));
        try (SmallDisk disk = SmallDisk.over(state, 64 * 1024)) {
            AuditLog log = new AuditLog(state.resolve("audit.jsonl"));
            int written = 0;
            // Started before the disk is full: the file has a page with room left, as a log in use has.
            for (; written < 3; written++) {
                log.append(entry(written));
            }
            Path filler = disk.fill("filler");
            IOException full = null;
            // The file's last page has room for some records; a record that crosses into a page the disk lacks is
            // written in part before the write fails.
            for (int i = written; i < 10_000 && full == null; i++) {
                try {
                    log.append(entry(i));
                    written++;
                } catch (IOException e) {
                    full = e;
                }
            }
            assertThat(full).as("the disk ran full").isNotNull();
            String text = Files.readString(state.resolve("audit.jsonl"), StandardCharsets.UTF_8);
            assertThat(text).as("no half record at the end").satisfiesAnyOf(t -> assertThat(t).isEmpty(),
                    t -> assertThat(t).endsWith("\n"));
            assertThat(log.read(e -> true)).hasSize(written);

            Files.delete(filler);
            log.append(entry(written));
            List<AuditLog.Entry> all = log.read(e -> true);
            assertThat(all).as("every record written before and after the disk was full").hasSize(written + 1);
            assertThat(all.getLast()).isEqualTo(entry(written));
            log.close();
        }
    }
}
