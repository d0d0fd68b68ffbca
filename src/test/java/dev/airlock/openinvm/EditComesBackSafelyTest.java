package dev.airlock.openinvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.sys.Posix;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * How an edit comes back to the original (a host file for {@code airlock open-in-dvm ./FILE}, a domain's file for
 * {@code qvm-open-in-dvm}): atomically, with its mode and owner, never over a file that changed meanwhile, and never
 * by reading something that is not a regular file.
 */
@Timeout(60)
class EditComesBackSafelyTest {
    private static final long LIMIT = OpenClient.DEFAULT_MAX_BYTES;

    @TempDir
    Path tmp;

    private Harness harness(String script) throws Exception {
        return new Harness(tmp.resolve("service"), Duration.ofSeconds(20), LIMIT, Map.of()).handler(script);
    }

    private Path original(String name, String content) throws Exception {
        return Files.writeString(Files.createDirectories(tmp.resolve("host")).resolve(name), content);
    }

    private static String[] names(Path folder) throws Exception {
        try (var s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
        }
    }

    @Test
    void editReplacesTheFileInOneRenameSoAReaderNeverSeesHalfOfIt() throws Exception {
        Path f = original("report.txt", "the original text");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        Object before = Files.getAttribute(f, "unix:ino");
        try (InputStream reader = Files.newInputStream(f)) {
            var o = OpenClient.open(f, false, LIMIT, harness("printf 'edited' > \"$1\"").transport());
            assertThat(o).isEqualTo(new OpenClient.Outcome.Replaced(6));
            // A reader that had the file open keeps the whole old version: the new one is another inode.
            assertThat(new String(reader.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("the original text");
        }
        assertThat(Files.getAttribute(f, "unix:ino")).isNotEqualTo(before);
        assertThat(Files.readString(f)).isEqualTo("edited");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-r-----");
        assertThat(names(f.getParent())).containsExactly("report.txt");
    }

    @Test
    void fileChangedOnTheHostWhileTheDisposableHadItIsNotClobbered() throws Exception {
        Path f = original("notes.txt", "v1");
        // The handler edits its copy while the person also saves the original on the host.
        var o = OpenClient.open(f, false, LIMIT, harness("printf 'disposable edit' > \"$1\"; printf 'host edit' > '"
                + f + "'").transport());
        assertThat(o).isInstanceOf(OpenClient.Outcome.KeptBoth.class);
        var kept = (OpenClient.Outcome.KeptBoth) o;
        assertThat(kept.why()).contains("changed meanwhile");
        assertThat(Files.readString(f)).isEqualTo("host edit");
        assertThat(kept.copy()).isEqualTo(f.resolveSibling("notes.edited.txt"));
        assertThat(Files.readString(kept.copy())).isEqualTo("disposable edit");
        assertThat(names(f.getParent())).containsExactly("notes.edited.txt", "notes.txt");
    }

    @Test
    void fileReplacedOnTheHostByAnotherWithTheSameContentIsNotClobbered() throws Exception {
        Path f = original("notes.txt", "same");
        Path other = f.resolveSibling("other");
        var o = OpenClient.open(f, false, LIMIT, harness("printf 'edit' > \"$1\"; printf 'same' > '" + other
                + "'; mv '" + other + "' '" + f + "'").transport());
        assertThat(o).isInstanceOf(OpenClient.Outcome.KeptBoth.class);
        assertThat(((OpenClient.Outcome.KeptBoth) o).why()).contains("replaced by another file");
        assertThat(Files.readString(f)).isEqualTo("same");
    }

    @Test
    void editedCopyNeverTakesTheNameOfAnExistingFile() throws Exception {
        Path f = original("notes.txt", "v1");
        Files.writeString(f.resolveSibling("notes.edited.txt"), "keep me");
        var o = (OpenClient.Outcome.KeptBoth) OpenClient.open(f, false, LIMIT,
                harness("printf 'edit' > \"$1\"; printf 'v2' > '" + f + "'").transport());
        assertThat(o.copy()).isEqualTo(f.resolveSibling("notes.edited-2.txt"));
        assertThat(Files.readString(f.resolveSibling("notes.edited.txt"))).isEqualTo("keep me");
    }

    @Test
    void viewOnlyLeavesTheHostFileExactlyAsItWas() throws Exception {
        Path f = original("notes.txt", "as it was");
        Object inode = Files.getAttribute(f, "unix:ino");
        var mtime = Files.getLastModifiedTime(f);
        var o = OpenClient.open(f, true, LIMIT, harness("chmod u+w \"$1\"; printf 'changed' > \"$1\"").transport());
        assertThat(o).isInstanceOf(OpenClient.Outcome.ViewedOnly.class);
        assertThat(Files.readString(f)).isEqualTo("as it was");
        assertThat(Files.getAttribute(f, "unix:ino")).isEqualTo(inode);
        assertThat(Files.getLastModifiedTime(f)).isEqualTo(mtime);
        assertThat(names(f.getParent())).containsExactly("notes.txt");
    }

    @Test
    void fifoGivenAsTheFileIsRefusedWithoutBlocking() throws Exception {
        Path fifo = Files.createDirectories(tmp.resolve("host")).resolve("pipe.pdf");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo is not available");
        // A FIFO nobody writes would block a plain open forever; O_NONBLOCK and the descriptor's type refuse it.
        assertThatThrownBy(() -> OpenClient.open(fifo, false, LIMIT, harness("true").transport()))
                .isInstanceOf(OpenClient.OpenFailedException.class).hasMessageContaining("not a regular file");
    }

    @Test
    void symlinkGivenAsTheFileIsResolvedAndOnlyItsTargetReplaced() throws Exception {
        Path target = original("real.txt", "old");
        Path link = Files.createSymbolicLink(target.resolveSibling("link.txt"), target.getFileName());
        var o = OpenClient.open(link, false, LIMIT, harness("printf 'new' > \"$1\"").transport());
        assertThat(o).isEqualTo(new OpenClient.Outcome.Replaced(3));
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readString(target)).isEqualTo("new");
    }

    @Test
    void symlinkToADeviceIsRefused() throws Exception {
        Path link = Files.createSymbolicLink(Files.createDirectories(tmp.resolve("host")).resolve("zero.txt"),
                Path.of("/dev/zero"));
        assertThatThrownBy(() -> OpenClient.open(link, false, LIMIT, harness("true").transport()))
                .isInstanceOf(OpenClient.OpenFailedException.class).hasMessageContaining("not a regular file");
    }

    @Test
    void rootEditingAnotherUsersFileKeepsItsOwnerGroupAndMode() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "only root can give a file to another user");
        Path f = original("theirs.txt", "theirs");
        Files.setAttribute(f, "unix:uid", 4321, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(f, "unix:gid", 4322, LinkOption.NOFOLLOW_LINKS);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-r--"));
        var o = OpenClient.open(f, false, LIMIT, harness("printf 'edited' > \"$1\"").transport());
        assertThat(o).isEqualTo(new OpenClient.Outcome.Replaced(6));
        assertThat(Files.getAttribute(f, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(4321);
        assertThat(Files.getAttribute(f, "unix:gid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(4322);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-rw-r--");
    }
}
