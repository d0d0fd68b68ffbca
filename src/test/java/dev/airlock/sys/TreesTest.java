package dev.airlock.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TreesTest {
    /** A uid no account has: stands for a domain's own host user. */
    private static final int DOMAIN_UID = 64_999;
    private static final int NAMES = 3000;

    @TempDir
    Path tmp;

    @Test
    void symlinksInsideTheTreeAreUnlinkedNotFollowed() throws IOException {
        Path host = Files.createDirectory(tmp.resolve("host"));
        Files.writeString(host.resolve("passwd"), "keep");
        Path tree = Files.createDirectories(tmp.resolve("tree/sub"));
        Files.createSymbolicLink(tree.resolve("to-host"), host);
        Files.createSymbolicLink(tree.resolve("to-file"), host.resolve("passwd"));
        Files.createSymbolicLink(tmp.resolve("tree/dangling"), tmp.resolve("nowhere"));

        Trees.delete(tmp.resolve("tree"));

        assertFalse(Files.exists(tmp.resolve("tree"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("keep", Files.readString(host.resolve("passwd")));
    }

    @Test
    void aLinkGivenAsTheTreeIsRemovedNotFollowed() throws IOException {
        Path host = Files.createDirectory(tmp.resolve("host"));
        Files.writeString(host.resolve("f"), "keep");
        Files.createSymbolicLink(tmp.resolve("tree"), host);

        Trees.delete(tmp.resolve("tree"));

        assertFalse(Files.exists(tmp.resolve("tree"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("keep", Files.readString(host.resolve("f")));
    }

    @Test
    void aMissingTreeIsNothingToDelete() throws IOException {
        Trees.delete(tmp.resolve("none/at/all"));
        assertTrue(Files.isDirectory(tmp));
    }

    @Test
    void aTreeDeeperThanTheDescriptorsHeldIsDeletedAllTheSame() throws IOException {
        Path p = tmp.resolve("tree");
        for (int i = 0; i < Trees.MAX_DEPTH * 3; i++) {
            p = p.resolve("d");
        }
        Files.createDirectories(p);
        Files.writeString(p.resolve("leaf"), "x");

        Trees.delete(tmp.resolve("tree"));

        assertFalse(Files.exists(tmp.resolve("tree"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aDomainThatTookAwayItsOwnPermissionsIsStillDeleted() throws IOException {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Path closed = Files.createDirectories(tree.resolve("closed/inner"));
        Files.writeString(closed.resolve("f"), "x");
        Path readOnly = Files.createDirectories(tree.resolve("readonly"));
        Files.writeString(readOnly.resolve("f"), "x");
        if (Posix.geteuid() == 0) {
            // Root would not need the permissions back: the domain's own uid does.
            try (var all = Files.walk(tree)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    chown(p, DOMAIN_UID);
                }
            }
        }
        Files.setPosixFilePermissions(tree.resolve("closed"), PosixFilePermissions.fromString("---------"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-x------"));

        Trees.deleteForcibly(tree);

        assertFalse(Files.exists(tree, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aPlainDeleteStopsAtAFolderItsOwnerMadeReadOnly() throws IOException {
        Path tree = Files.createDirectories(tmp.resolve("tree/ro"));
        Files.writeString(tree.resolve("k"), "kept");
        if (Posix.geteuid() == 0) {
            chown(tmp.resolve("tree"), DOMAIN_UID);
            chown(tree, DOMAIN_UID);
            chown(tree.resolve("k"), DOMAIN_UID);
        }
        Files.setPosixFilePermissions(tree, PosixFilePermissions.fromString("r-x------"));

        AccessDeniedException e = assertThrows(AccessDeniedException.class, () -> Trees.delete(tmp.resolve("tree")));

        assertEquals(tmp.resolve("tree/ro/k") + ": permission denied", e.getMessage());
        assertEquals("kept", Files.readString(tree.resolve("k")));
    }

    /**
     * The attack of issue 10 without the help of the domain's uid: the tree is owned by whoever runs the test,
     * so only the descriptor-relative walk stands between the swap and the host folder.
     */
    @Test
    void removeCannotBeSteeredIntoAHostFolderBySwappingAFolderForALink() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("domains/victim/home"));
        Path host = hostFolder();
        attackAndDelete(home, host, tmp.resolve("domains/victim"));
    }

    /** The same attack on a domain-owned home deleted by root: now the domain's uid stands in the way too. */
    @Test
    void removeByRootCannotBeSteeredIntoAHostFolderBySwappingAFolderForALink() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: deletion as the domain's uid is what is tested");
        Path home = Files.createDirectories(tmp.resolve("domains/victim/home"));
        Path host = hostFolder();
        Files.setPosixFilePermissions(host, PosixFilePermissions.fromString("rwx------"));
        attackAndDelete(home, host, tmp.resolve("domains/victim"));
    }

    @Test
    void deletionAsTheDomainUserCannotUnlinkARootOwnedFilePlacedInTheTree() throws IOException {
        assumeTrue(Posix.geteuid() == 0, "needs root: deletion as the domain's uid is what is tested");
        Path home = Files.createDirectories(tmp.resolve("domains/victim/home"));
        Path rootOwned = Files.createDirectory(home.resolve("rootdir"));
        Files.writeString(rootOwned.resolve("keep"), "root's");
        Files.writeString(home.resolve("mine"), "domain's");
        chown(home, DOMAIN_UID);
        chown(home.resolve("mine"), DOMAIN_UID);

        assertThrows(AccessDeniedException.class, () -> Trees.deleteForcibly(tmp.resolve("domains/victim")));

        assertEquals("root's", Files.readString(rootOwned.resolve("keep")));
    }

    @Test
    void deletionAsTheDomainUserHasNoneOfRootsGroups() throws IOException {
        assumeTrue(Posix.geteuid() == 0, "needs root: deletion as the domain's uid is what is tested");
        Path home = Files.createDirectories(tmp.resolve("domains/victim/home"));
        Path rootGroup = Files.createDirectory(home.resolve("staff-only"));
        Files.writeString(rootGroup.resolve("keep"), "root's group's");
        Files.setPosixFilePermissions(rootGroup, PosixFilePermissions.fromString("rwxrwx---"));
        chown(home, DOMAIN_UID);

        assertThrows(AccessDeniedException.class, () -> Trees.deleteForcibly(tmp.resolve("domains/victim")));

        assertEquals("root's group's", Files.readString(rootGroup.resolve("keep")));
    }

    @Test
    void aFileSystemMountedInsideTheTreeIsNotDescended() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root to mount a tmpfs");
        Path tree = Files.createDirectories(tmp.resolve("tree/a"));
        Path mount = Files.createDirectory(tree.resolve("m"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "cannot mount a tmpfs here");
        try {
            Files.writeString(mount.resolve("other-fs"), "keep");

            IOException e = assertThrows(IOException.class, () -> Trees.delete(tmp.resolve("tree")));

            assertTrue(e.getMessage().contains("mounted"), e.getMessage());
            assertEquals("keep", Files.readString(mount.resolve("other-fs")));
        } finally {
            new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A folder of {@value #NAMES} root-only files, the names of which the domain fills its own folder with. */
    private Path hostFolder() throws IOException {
        Path host = Files.createDirectory(tmp.resolve("etc"));
        for (int i = 0; i < NAMES; i++) {
            Files.writeString(host.resolve("f" + i), "host file");
        }
        return host;
    }

    /**
     * Fills {@code home/z} with the host folder's names, links {@code home/zl} to the host folder, and swaps the two
     * names atomically in a loop while the tree above {@code home} is deleted; every host file must survive.
     */
    private void attackAndDelete(Path home, Path host, Path domainFolder) throws Exception {
        Path z = Files.createDirectory(home.resolve("z"));
        for (int i = 0; i < NAMES; i++) {
            Files.writeString(z.resolve("f" + i), "domain file");
        }
        Files.createSymbolicLink(home.resolve("zl"), host);
        if (Posix.geteuid() == 0) {
            try (var all = Files.walk(home)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    chown(p, DOMAIN_UID);
                }
            }
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong swaps = new AtomicLong();
        byte[] homeBytes = home.toString().getBytes(StandardCharsets.UTF_8);
        Thread attacker = Thread.ofPlatform().start(() -> {
            int fd;
            try {
                fd = Posix.openat(Posix.AT_FDCWD, homeBytes, Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
            } catch (ErrnoException e) {
                return;
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            try {
                while (!stop.get() && System.nanoTime() < end) {
                    try {
                        Posix.renameat2(fd, "z".getBytes(), fd, "zl".getBytes(), Posix.RENAME_EXCHANGE);
                        swaps.incrementAndGet();
                    } catch (ErrnoException e) {
                        if (e.errno() == Errno.ENOENT) {
                            return;
                        }
                    }
                }
            } finally {
                Posix.closeQuietly(fd);
            }
        });
        while (swaps.get() < 10 && attacker.isAlive()) {
            Thread.onSpinWait();
        }
        IOException failed = null;
        try {
            Trees.deleteForcibly(domainFolder);
        } catch (IOException e) {
            failed = e;
        } finally {
            stop.set(true);
            attacker.join();
        }
        try (var left = Files.list(host)) {
            assertEquals(NAMES, left.count(), "every host file survives");
        }
        assertTrue(swaps.get() >= 10, "the attacker swapped the names while the tree was deleted");
        assertNull(failed, "the domain's own files are deleted all the same");
        assertFalse(Files.exists(domainFolder, LinkOption.NOFOLLOW_LINKS));
    }

    private static void chown(Path p, int id) throws IOException {
        Files.setAttribute(p, "unix:uid", id, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", id, LinkOption.NOFOLLOW_LINKS);
    }
}
