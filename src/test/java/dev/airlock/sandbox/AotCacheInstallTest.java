package dev.airlock.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Root installs the class cache that the training (an unprivileged user, who owns the folder it is in) left behind:
 * the copy step must take nothing but that user's own regular file.
 */
class AotCacheInstallTest {
    @TempDir
    Path tmp;
    private Path trainingHome;
    private Path install;
    private int me;

    @BeforeEach
    void folders() throws IOException {
        trainingHome = Files.createDirectory(tmp.resolve("home"));
        install = Files.createDirectory(tmp.resolve("install"));
        me = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    @Test
    void cacheOfTheTrainingUserIsInstalledReadableByAll() throws IOException {
        Path made = Files.writeString(trainingHome.resolve(AotCache.FILE), "cache");
        AotCache.install(made, me, install.resolve(AotCache.FILE));
        assertThat(install.resolve(AotCache.FILE)).hasContent("cache");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(install.resolve(AotCache.FILE))))
                .isEqualTo("rw-r--r--");
        try (var files = Files.list(install)) {
            assertThat(files).hasSize(1);
        }
    }

    @Test
    void cacheSymlinkedToAHostFileIsNotCopied() throws IOException {
        Path shadow = Files.writeString(tmp.resolve("shadow"), "root:secret");
        Files.setPosixFilePermissions(shadow, PosixFilePermissions.fromString("rw-------"));
        Path made = Files.createSymbolicLink(trainingHome.resolve(AotCache.FILE), shadow);
        assertRefused(made, me);
    }

    @Test
    void cacheNotOwnedByTheTrainingUserIsRefused() throws IOException {
        Path made = Files.writeString(trainingHome.resolve(AotCache.FILE), "planted by someone else");
        assertThat(me).isNotEqualTo(HostUser.TRAINING_ID);
        assertRefused(made, HostUser.TRAINING_ID);
    }

    @Test
    void cacheHardLinkedToAnotherFileIsRefused() throws IOException {
        Path other = Files.writeString(tmp.resolve("other"), "someone's file");
        Path made = Files.createLink(trainingHome.resolve(AotCache.FILE), other);
        assertRefused(made, me);
    }

    @Test
    void oversizedCacheIsRefused() throws IOException {
        Path made = trainingHome.resolve(AotCache.FILE);
        try (RandomAccessFile f = new RandomAccessFile(made.toFile(), "rw")) {
            f.setLength(AotCache.MAX_BYTES + 1);
        }
        assertRefused(made, me);
    }

    @Test
    void fifoInPlaceOfTheCacheIsRefusedWithoutBlocking() throws Exception {
        Path made = trainingHome.resolve(AotCache.FILE);
        // No pipes to the child: their descriptors would be closed later by the garbage collector, under the feet
        // of tests that count descriptors.
        Process mkfifo = new ProcessBuilder("mkfifo", made.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(mkfifo.waitFor()).isZero();
        assertRefused(made, me);
    }

    private void assertRefused(Path made, int trainer) throws IOException {
        assertThatThrownBy(() -> AotCache.install(made, trainer, install.resolve(AotCache.FILE)))
                .isInstanceOf(IOException.class);
        try (var files = Files.list(install)) {
            assertThat(files).isEmpty();
        }
    }
}
