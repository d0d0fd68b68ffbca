package dev.airlock.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeOwnerTest {
    private static final int UID = 61234;
    private static final int GID = 61235;

    @TempDir
    Path temp;

    private Path tree;
    private Path host;

    @BeforeEach
    void root() throws IOException {
        assumeTrue(Posix.geteuid() == 0, "needs root: only root can give files to another user");
        tree = Files.createDirectory(temp.resolve("home"));
        host = Files.createDirectory(temp.resolve("host"));
    }

    @Test
    void givesEveryFolderFileAndLinkOfTheTree() throws IOException {
        Files.createDirectories(tree.resolve("a/b/c"));
        Files.writeString(tree.resolve("a/b/c/deep.txt"), "deep");
        Files.writeString(tree.resolve("top.txt"), "top");
        Files.createSymbolicLink(tree.resolve("a/link"), Path.of("b/c/deep.txt"));

        TreeOwner.give(tree, UID, GID);

        for (String p : new String[] {"", "a", "a/b", "a/b/c", "a/b/c/deep.txt", "top.txt", "a/link"}) {
            assertThat(uid(tree.resolve(p))).as(p).isEqualTo(UID);
            assertThat(gid(tree.resolve(p))).as(p).isEqualTo(GID);
        }
    }

    @Test
    void linkInTheTreeCannotMakeRootGiveAwayItsTarget() throws IOException {
        Path passwd = Files.writeString(host.resolve("passwd"), "root:x:0:0::/root:/bin/sh\n");
        Path hostFolder = Files.createDirectory(host.resolve("etc"));
        Files.writeString(hostFolder.resolve("shadow"), "root:*:1::::::\n");
        Files.createSymbolicLink(tree.resolve("passwd"), passwd);
        Files.createSymbolicLink(tree.resolve("etc"), hostFolder);
        Files.createDirectories(tree.resolve("x/y"));
        Files.createSymbolicLink(tree.resolve("x/y/up"), Path.of("../../../host"));

        TreeOwner.give(tree, UID, GID);

        assertThat(uid(passwd)).isZero();
        assertThat(uid(hostFolder)).isZero();
        assertThat(uid(hostFolder.resolve("shadow"))).isZero();
        assertThat(uid(host)).isZero();
        assertThat(uid(tree.resolve("passwd"))).as("the link itself").isEqualTo(UID);
        assertThat(uid(tree.resolve("etc"))).as("the link itself").isEqualTo(UID);
        assertThat(uid(tree.resolve("x/y/up"))).as("the link itself").isEqualTo(UID);
    }

    @Test
    void hardLinkInTheTreeCannotMakeRootGiveAwayAHostFile() throws IOException {
        Path passwd = Files.writeString(host.resolve("passwd"), "root:x:0:0::/root:/bin/sh\n");
        Files.createLink(tree.resolve("passwd"), passwd);

        TreeOwner.give(tree, UID, GID);

        assertThat(uid(passwd)).isZero();
        assertThat(uid(tree)).isEqualTo(UID);
    }

    @Test
    void treeTooDeepIsRefusedAndItsTopStaysRootsSoTheNextStartRetries() throws IOException {
        Path p = tree;
        for (int i = 0; i < TreeOwner.MAX_DEPTH + 1; i++) {
            p = Files.createDirectory(p.resolve("d"));
        }

        assertThatThrownBy(() -> TreeOwner.give(tree, UID, GID)).isInstanceOf(IOException.class)
                .hasMessageContaining("more than " + TreeOwner.MAX_DEPTH + " levels deep");
        assertThat(uid(tree)).isZero();
    }

    @Test
    void topThatIsALinkIsRefused() throws IOException {
        Path link = Files.createSymbolicLink(temp.resolve("link"), host);

        assertThatThrownBy(() -> TreeOwner.give(link, UID, GID)).isInstanceOf(IOException.class)
                .hasMessageContaining("cannot open");
        assertThat(uid(host)).isZero();
    }

    private static int uid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    private static int gid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    }
}
