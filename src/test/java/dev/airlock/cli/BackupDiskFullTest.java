package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.testing.SmallDisk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The backup's destination runs out of space half way (issue 17). */
@Timeout(180)
class BackupDiskFullTest {
    @TempDir
    Path dir;

    @Test
    void aBackupOntoAFullDiskFailsInOneLineAndLeavesNoFileThatLooksComplete() throws Exception {
        Path home = dir.resolve("home");
        Path pass = Files.writeString(dir.resolve("pass"), "s3cret words\n");
        assertThat(InProcess.run("create", "--home=" + home, "work", "-l", "green").code()).isZero();
        // Random bytes do not compress: the backup needs about as much room as the file.
        byte[] data = new byte[3 << 20];
        new Random(17).nextBytes(data);
        Files.write(home.resolve("domains/work/home/data.bin"), data);
        Path dest = Files.createDirectories(dir.resolve("dest"));
        try (SmallDisk disk = SmallDisk.over(dest, 1 << 20)) {
            Path file = dest.resolve("b");
            InProcess r = InProcess.run("backup", "--home=" + home, "-p", pass.toString(), file.toString());
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).startsWith("ERROR: ").contains("No space left on device").endsWith("\n")
                    .hasLineCount(1).doesNotContain("Exception", "\tat ");
            assertThat(listing(dest)).as("neither the backup nor its partial file").isEmpty();

            // Room again: the same command succeeds.
            disk.close();
            InProcess again = InProcess.run("backup", "--home=" + home, "-p", pass.toString(), file.toString());
            assertThat(again.code()).as(again.err()).isZero();
            assertThat(file).isRegularFile();
        }
    }

    private static java.util.List<String> listing(Path folder) throws IOException {
        try (var s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
