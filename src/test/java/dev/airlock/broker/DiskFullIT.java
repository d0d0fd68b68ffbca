package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.LiveDomains.Result;
import dev.airlock.hostcopy.IncomingLimits;
import dev.airlock.hostcopy.Recipient;
import dev.airlock.testing.SmallDisk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receiver's disk runs full in the middle of a copy (issue 17): a domain's home and the host's incoming folder,
 * each a small tmpfs (8 MiB) that a filler file has nearly filled. The sender hears which file failed and why
 * (ENOSPC, as Qubes' receiver reports it), the receiver keeps nothing of that file, the domain and the broker carry
 * on, and the same copy succeeds once there is room again. Needs root (the mount) and sandboxes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DiskFullIT {
    private static final String POLICY = """
            qubes.Filecopy * work personal allow
            qubes.Filecopy * work @adminvm allow
            """;
    private static final long DISK = 8L << 20;
    private static final int NOBODY = 65534;

    private LiveDomains live;
    private Broker broker;
    private final List<SmallDisk> disks = new ArrayList<>();
    private Path hostHome;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        live = LiveDomains.create(tmp, POLICY, "work", "personal");
        disks.add(SmallDisk.over(live.homeOf("personal"), DISK));
        hostHome = Files.createDirectories(tmp.resolve("host-user"));
        Files.setAttribute(hostHome, "unix:uid", NOBODY);
        Files.setAttribute(hostHome, "unix:gid", NOBODY);
        Files.setPosixFilePermissions(hostHome, PosixFilePermissions.fromString("rwx------"));
        disks.add(SmallDisk.over(hostHome, DISK));
        broker = Broker.start(live.settings(Duration.ofSeconds(2)).withHostSettings(Map.of(
                Recipient.HOME_VARIABLE, hostHome.toString(), "AIRLOCK_DESKTOP_USER", Integer.toString(NOBODY),
                // Off, so that the disk runs full while the host writes; by default a copy needing more than 90%
                // of the free space is refused before it starts (EDQUOT), which would test that rule instead.
                IncomingLimits.FREE_PERCENT, "0")));
        live.start("work", "personal");
        // 4 MiB that do not compress into holes, after a small file that arrives whole.
        Result made = live.sh("work", "mkdir d && echo first > d/a.txt && head -c 4194304 /dev/urandom > d/big.bin");
        assertThat(made.code()).as(made.err()).isZero();
    }

    @AfterAll
    void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
        for (SmallDisk d : disks) {
            d.close();
        }
    }

    @Test
    void aDomainWhoseHomeRunsFullMidCopyKeepsNothingPartialAndTheSenderHearsWhichFile() throws Exception {
        Path home = live.homeOf("personal");
        Path filler = fill(home, DISK - (2L << 20));
        Result full = live.sh("work", "qvm-copy-to-vm personal d");
        System.out.printf("DiskFullIT: domain home full: exit %d, %s%n", full.code(), full.err().strip());
        assertThat(full.code()).as("the copy failed").isNotZero();
        assertThat(full.err()).startsWith("ERROR: ").contains("No space left on device").contains("big.bin")
                .doesNotContain("Exception", "\tat ");
        Path incoming = home.resolve("QubesIncoming/work");
        assertThat(relative(incoming)).as("only what arrived whole, nothing hidden")
                .isSubsetOf("d", "d/a.txt").doesNotContain("d/big.bin");

        Result alive = live.sh("personal", "echo alive");
        assertThat(alive.out()).as("the domain keeps working: %s", alive.err()).isEqualTo("alive\n");
        assertThat(live.running()).contains("personal", "work");

        Files.delete(filler);
        delete(incoming);
        Result again = live.sh("work", "qvm-copy-to-vm personal d");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(Files.mismatch(live.homeOf("work").resolve("d/big.bin"), incoming.resolve("d/big.bin")))
                .isEqualTo(-1L);
        delete(home.resolve("QubesIncoming"));
    }

    @Test
    void theHostsIncomingFolderRunningFullMidCopyKeepsNothingPartialAndTheSenderHearsWhichFile() throws Exception {
        Path filler = fill(hostHome, DISK - (2L << 20));
        Result full = live.sh("work", "qvm-copy-to-dom0 d");
        System.out.printf("DiskFullIT: host incoming full: exit %d, %s%n", full.code(), full.err().strip());
        assertThat(full.code()).as("the copy failed").isNotZero();
        assertThat(full.err()).contains("ERROR: ").contains("No space left on device").contains("big.bin")
                .doesNotContain("Exception", "\tat ");
        Path incoming = hostHome.resolve("QubesIncoming/work");
        assertThat(relative(incoming)).as("only what arrived whole, nothing hidden")
                .isSubsetOf("d", "d/a.txt").doesNotContain("d/big.bin");
        assertThat(live.sh("work", "echo alive").out()).isEqualTo("alive\n");

        Files.delete(filler);
        delete(incoming);
        Result again = live.sh("work", "qvm-copy-to-dom0 d");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(Files.mismatch(live.homeOf("work").resolve("d/big.bin"), incoming.resolve("d/big.bin")))
                .isEqualTo(-1L);
        delete(hostHome.resolve("QubesIncoming"));
    }

    /** A file of {@code bytes} in {@code folder}, leaving less room than the copy needs. */
    private static Path fill(Path folder, long bytes) throws IOException {
        Path filler = folder.resolve("filler");
        try (var out = Files.newOutputStream(filler)) {
            byte[] block = new byte[1 << 16];
            for (long done = 0; done < bytes; done += block.length) {
                out.write(block);
            }
        }
        return filler;
    }

    private static List<String> relative(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(folder)) {
            return s.filter(p -> !p.equals(folder)).map(p -> folder.relativize(p).toString()).sorted().toList();
        }
    }

    private static void delete(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
