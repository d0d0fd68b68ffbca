package dev.airlock.hostcopy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.sys.Errno;
import dev.airlock.sys.Posix;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host's receiver against what a domain can send it: Qubes' host limits, links, the user's own links on the way
 * into QubesIncoming, the owner of what lands when the broker is root, and the seed-004 deadlock.
 */
class HostReceiverTest {
    private static final long PLENTY = 1L << 40;
    private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    private Recipient me() {
        return new Recipient(tmp.resolve("home"), 1000, 1000, false);
    }

    private static HostReceiver receiver(IncomingLimits limits, long free) {
        return new HostReceiver(limits, home -> free);
    }

    private Path incoming() {
        return tmp.resolve("home/QubesIncoming/work");
    }

    @Test
    void aCopyLandsInQubesIncomingOfTheSource() throws Exception {
        Files.createDirectories(tmp.resolve("home"));
        var o = new Exchange().entry(Exchange.S_IFDIR | 0755, "d", 0, new byte[0]).file("d/a.txt", HELLO)
                .entry(Exchange.S_IFDIR | 0755, "d", 0, new byte[0]).end()
                .run(receiver(IncomingLimits.DEFAULTS, PLENTY), me(), "work", 0);
        assertThat(o.errorCode()).isZero();
        assertThat(o.exitCode()).isZero();
        assertThat(Files.readAllBytes(incoming().resolve("d/a.txt"))).isEqualTo(HELLO);
        assertThat(Files.getPosixFilePermissions(tmp.resolve("home/QubesIncoming")))
                .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void moreThan4096FilesInOneCopyAreRefused() throws Exception {
        Files.createDirectories(tmp.resolve("home"));
        Exchange e = new Exchange();
        for (int i = 0; i <= 4096; i++) {
            e.file("f" + i, new byte[0]);
        }
        var o = e.end().run(receiver(IncomingLimits.DEFAULTS, PLENTY), me(), "work", 0);
        assertThat(o.errorCode()).isEqualTo(Errno.EDQUOT);
        assertThat(o.stderr()).contains("4096 files").contains(IncomingLimits.MAX_FILES);
        assertThat(incoming().resolve("f4096")).doesNotExist();
    }

    @Test
    void aFileDeclaredOver4GiBIsRefusedAtItsHeaderWhileTheSenderStillSendsGigabytes() throws Exception {
        Files.createDirectories(tmp.resolve("home"));
        // The seed-004 deadlock: the sender has gigabytes left to write when the host refuses.
        var o = new Exchange().entry(Exchange.S_IFREG | 0644, "big", (4L << 30) + 1, new byte[0])
                .run(receiver(IncomingLimits.DEFAULTS, PLENTY), me(), "work", 8L << 30);
        assertThat(o.errorCode()).isEqualTo(Errno.EDQUOT);
        assertThat(o.sendFailed()).as("the sender's writes fail once the host refused").isTrue();
        assertThat(o.sendMillis()).as("the sender stopped within a second").isLessThan(1000);
        assertThat(o.stderr()).contains("dom0 refused the copy").contains("4096 MiB");
        assertThat(incoming().resolve("big")).doesNotExist();
    }

    @Test
    void aCopyLargerThan90PercentOfTheFreeSpaceIsRefused() throws Exception {
        Files.createDirectories(tmp.resolve("home"));
        HostReceiver r = receiver(IncomingLimits.DEFAULTS, 1000);
        assertThat(new Exchange().file("fits", new byte[900]).end().run(r, me(), "work", 0).errorCode()).isZero();
        var o = new Exchange().file("too-big", new byte[901]).end().run(r, me(), "work", 0);
        assertThat(o.errorCode()).isEqualTo(Errno.EDQUOT);
        assertThat(o.stderr()).contains("90% of the free space");
        assertThat(incoming().resolve("too-big")).doesNotExist();
    }

    @Test
    void aFullDiskRefusesBeforeReadingAnything() throws Exception {
        Files.createDirectories(tmp.resolve("home"));
        var o = new Exchange().file("a", HELLO).end().run(receiver(IncomingLimits.DEFAULTS, 0), me(), "work", 0);
        assertThat(o.errorCode()).isEqualTo(Errno.EDQUOT);
        assertThat(tmp.resolve("home/QubesIncoming")).doesNotExist();
    }

    @Test
    void aSymlinkIsRefusedByDefault() throws Exception {
        Files.createDirectories(tmp.resolve("home"));
        var o = new Exchange().entry(Exchange.S_IFDIR | 0755, "d", 0, new byte[0])
                .entry(Exchange.S_IFLNK | 0777, "d/link", 1, "x".getBytes(StandardCharsets.US_ASCII))
                .entry(Exchange.S_IFDIR | 0755, "d", 0, new byte[0]).end()
                .run(receiver(IncomingLimits.DEFAULTS, PLENTY), me(), "work", 0);
        assertThat(o.errorCode()).isEqualTo(Errno.EPERM);
        assertThat(o.stderr()).contains(IncomingLimits.SYMLINKS + "=yes");
        assertThat(incoming().resolve("d/link")).doesNotExist();
        var allowed = new IncomingLimits(4L << 30, 4096, 90, true);
        assertThat(new Exchange().entry(Exchange.S_IFDIR | 0755, "e", 0, new byte[0])
                .entry(Exchange.S_IFLNK | 0777, "e/link", 1, "x".getBytes(StandardCharsets.US_ASCII))
                .entry(Exchange.S_IFDIR | 0755, "e", 0, new byte[0]).end()
                .run(receiver(allowed, PLENTY), me(), "work", 0).errorCode()).isZero();
        assertThat(Files.readSymbolicLink(incoming().resolve("e/link"))).isEqualTo(Path.of("x"));
    }

    @Test
    void aUserSymlinkAtQubesIncomingIsNotFollowedOutOfTheHome() throws Exception {
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createDirectories(tmp.resolve("home"));
        Files.createSymbolicLink(tmp.resolve("home/QubesIncoming"), elsewhere);
        var o = new Exchange().file("planted", HELLO).end()
                .run(receiver(IncomingLimits.DEFAULTS, PLENTY), me(), "work", 0);
        assertThat(o.errorCode()).isEqualTo(Errno.ENOTDIR);
        assertThat(o.stderr()).contains("QubesIncoming/work");
        try (var listing = Files.list(elsewhere)) {
            assertThat(listing).isEmpty();
        }
    }

    @Test
    void aUserSymlinkAtTheSourceFolderIsNotFollowed() throws Exception {
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createDirectories(tmp.resolve("home/QubesIncoming"));
        Files.createSymbolicLink(incoming(), elsewhere);
        var o = new Exchange().file("planted", HELLO).end()
                .run(receiver(IncomingLimits.DEFAULTS, PLENTY), me(), "work", 0);
        assertThat(o.errorCode()).isEqualTo(Errno.ENOTDIR);
        assertThat(elsewhere.resolve("planted")).doesNotExist();
    }

    @Test
    @Timeout(60)
    void filesFromADomainBelongToTheDesktopUserNeverToRoot() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: the broker writes as the desktop user only when it is root");
        int nobody = 65534;
        // The user must be able to reach the home, as in /home: the test's own folder is root's, 0700.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.setAttribute(home, "unix:uid", nobody);
        Files.setAttribute(home, "unix:gid", nobody);
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        Recipient desktopUser = new Recipient(home, nobody, nobody, true);
        var o = new Exchange().entry(Exchange.S_IFDIR | 0755, "d", 0, new byte[0]).file("d/a", HELLO)
                .entry(Exchange.S_IFDIR | 0755, "d", 0, new byte[0]).end()
                .run(receiver(IncomingLimits.DEFAULTS, PLENTY), desktopUser, "work", 0);
        assertThat(o.errorCode()).isZero();
        for (Path p : new Path[] {home.resolve("QubesIncoming"), incoming(), incoming().resolve("d"),
                incoming().resolve("d/a")}) {
            assertThat(Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).as("owner of %s", p)
                    .isEqualTo(nobody);
            assertThat(Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS)).as("group of %s", p)
                    .isEqualTo(nobody);
        }
    }

    @Test
    void asTheDesktopUserTheReceiverCannotWriteWhereOnlyRootMay() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: the broker writes as the desktop user only when it is root");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        // A home the user cannot write (root's, 0755): root could, the user's identity may not.
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        var o = new Exchange().file("a", HELLO).end()
                .run(receiver(IncomingLimits.DEFAULTS, PLENTY), new Recipient(home, 65534, 65534, true), "work", 0);
        assertThat(o.errorCode()).isNotZero();
        assertThat(home.resolve("QubesIncoming")).doesNotExist();
    }
}
