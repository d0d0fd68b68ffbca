package dev.airlock.openinvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client and the {@code vm-file-editor} service end to end, over in-process pipes, with scripted handlers. */
@Timeout(60)
class OpenInVmEndToEndTest {
    private static final long LIMIT = OpenClient.DEFAULT_MAX_BYTES;

    @TempDir
    Path tmp;

    private Harness harness() throws IOException {
        return new Harness(tmp.resolve("service"), Duration.ofSeconds(20), LIMIT, Map.of());
    }

    private Path original(String name, String content) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("client"));
        return Files.writeString(dir.resolve(name), content);
    }

    private long entriesIn(Path folder) throws IOException {
        try (var s = Files.list(folder)) {
            return s.count();
        }
    }

    @Test
    void editedFileReplacesTheOriginalKeepingItsMode() throws Exception {
        Harness h = harness().handler("printf 'edited' > \"$1\"");
        Path f = original("notes.txt", "original");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        var o = OpenClient.open(f, false, LIMIT, h.transport());
        assertThat(o).isEqualTo(new OpenClient.Outcome.Replaced(6));
        assertThat(Files.readString(f)).isEqualTo("edited");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-r-----");
        assertThat(entriesIn(f.getParent())).isEqualTo(1);
        assertThat(h.tempRootEmpty()).isTrue();
    }

    @Test
    void unchangedFileSendsNothingAndStaysTheSameFile() throws Exception {
        Harness h = harness().handler("cat \"$1\" > /dev/null");
        Path f = original("notes.txt", "original");
        Object inode = Files.readAttributes(f, "unix:ino").get("ino");
        assertThat(OpenClient.open(f, false, LIMIT, h.transport())).isEqualTo(new OpenClient.Outcome.Unchanged());
        assertThat(Files.readAttributes(f, "unix:ino").get("ino")).isEqualTo(inode);
        assertThat(Files.readString(f)).isEqualTo("original");
        assertThat(h.tempRootEmpty()).isTrue();
    }

    @Test
    void twoSavesWithinOneSecondAreDetectedEvenWithTheOldMtime() throws Exception {
        // Same size, and the mtime put back to what it was: only the content tells the change.
        Harness h = harness().handler("touch -r \"$1\" \"$1.ref\"; printf 'AAAAAAAA' > \"$1\"; "
                + "printf 'BBBBBBBB' > \"$1\"; touch -r \"$1.ref\" \"$1\"; rm \"$1.ref\"");
        Path f = original("doc.txt", "original");
        Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis()));
        assertThat(OpenClient.open(f, false, LIMIT, h.transport())).isEqualTo(new OpenClient.Outcome.Replaced(8));
        assertThat(Files.readString(f)).isEqualTo("BBBBBBBB");
    }

    @Test
    void crashingHandlerLeavesTheOriginalUntouched() throws Exception {
        Harness h = harness().handler("printf 'half-saved' > \"$1\"; echo 'segfault here' >&2; exit 3");
        Path f = original("doc.txt", "original");
        assertThatThrownBy(() -> OpenClient.open(f, false, LIMIT, h.transport()))
                .isInstanceOf(OpenClient.OpenFailedException.class)
                .hasMessageContaining("exit code 1").hasMessageContaining("unchanged");
        assertThat(Files.readString(f)).isEqualTo("original");
        assertThat(h.serviceErr()).contains("segfault here").contains("exit code 3");
        assertThat(h.tempRootEmpty()).isTrue();
    }

    @Test
    void handlerThatNeverExitsIsKilledWithEverythingItStarted() throws Exception {
        Path pidFile = tmp.resolve("child.pid");
        Harness h = new Harness(tmp.resolve("service"), Duration.ofMillis(1500), LIMIT, Map.of())
                .handler("printf 'partial' > \"$1\"; sleep 1000 & echo $! > " + pidFile + "; wait");
        Path f = original("doc.txt", "original");
        long start = System.nanoTime();
        assertThatThrownBy(() -> OpenClient.open(f, false, LIMIT, h.transport()))
                .isInstanceOf(OpenClient.OpenFailedException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        assertThat(h.serviceErr()).contains("did not finish within 1 s and was killed");
        assertThat(Files.readString(f)).isEqualTo("original");
        long child = Long.parseLong(Files.readString(pidFile).strip());
        Optional<ProcessHandle> ph = ProcessHandle.of(child);
        ph.ifPresent(p -> p.onExit().orTimeout(5, TimeUnit.SECONDS).join());
        assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
        assertThat(h.tempRootEmpty()).isTrue();
    }

    @Test
    void viewOnlyFileIsReadOnlyThereAndNothingComesBack() throws Exception {
        Path seen = tmp.resolve("seen");
        Harness h = harness().handler("d=$(dirname \"$1\"); stat -c '%a %n' \"$1\" \"$d\" \"$(dirname \"$d\")\""
                + " > " + seen + "; basename \"$1\" >> " + seen);
        Path f = original("photo.jpg", "pixels");
        assertThat(OpenClient.open(f, true, LIMIT, h.transport())).isEqualTo(new OpenClient.Outcome.ViewedOnly(0));
        String[] lines = Files.readString(seen).split("\n");
        assertThat(lines[0]).startsWith("400 ");
        assertThat(lines[1]).startsWith("700 ");
        assertThat(lines[2]).startsWith("700 ");
        assertThat(lines[3]).isEqualTo("photo.jpg");
        assertThat(Files.readString(f)).isEqualTo("pixels");
    }

    @Test
    void receivedFileIsPrivateWhileTheHandlerHasIt() throws Exception {
        Path seen = tmp.resolve("seen");
        Harness h = harness().handler("stat -c '%a' \"$1\" > " + seen);
        OpenClient.open(original("a.txt", "x"), false, LIMIT, h.transport());
        assertThat(Files.readString(seen).strip()).isEqualTo("600");
    }

    @Test
    void viewOnlyClientIgnoresAReplyFromAServiceThatSendsOneAnyway() throws Exception {
        Path f = original("doc.txt", "original");
        OpenClient.Transport hostile = (request, reply) -> {
            request.transferTo(OutputStream.nullOutputStream());
            reply.write("replaced!".getBytes(StandardCharsets.UTF_8));
            return 0;
        };
        assertThat(OpenClient.open(f, true, LIMIT, hostile)).isEqualTo(new OpenClient.Outcome.ViewedOnly(9));
        assertThat(Files.readString(f)).isEqualTo("original");
        assertThat(entriesIn(f.getParent())).isEqualTo(1);
    }

    @Test
    void endlessReplyFromAHostileServiceStopsAtTheLimit() throws Exception {
        Path f = original("doc.txt", "original");
        long[] written = {0};
        OpenClient.Transport hostile = (request, reply) -> {
            byte[] chunk = new byte[64 * 1024];
            for (;;) {
                reply.write(chunk);
                written[0] += chunk.length;
            }
        };
        assertThatThrownBy(() -> OpenClient.open(f, false, 1 << 20, hostile))
                .isInstanceOf(OpenClient.OpenFailedException.class)
                .hasMessageContaining("larger than the limit of 1048576 bytes");
        assertThat(written[0]).isEqualTo(1 << 20);
        assertThat(Files.readString(f)).isEqualTo("original");
        assertThat(entriesIn(f.getParent())).isEqualTo(1);
    }

    @Test
    void endlessReplyToAViewOnlyRequestAlsoStopsAtTheLimit() throws Exception {
        Path f = original("doc.txt", "original");
        OpenClient.Transport hostile = (request, reply) -> {
            for (;;) {
                reply.write(new byte[4096]);
            }
        };
        assertThatThrownBy(() -> OpenClient.open(f, true, 1 << 16, hostile))
                .isInstanceOf(OpenClient.OpenFailedException.class);
        assertThat(Files.readString(f)).isEqualTo("original");
    }

    @Test
    void replyCutShortWithoutAnExitCodeLeavesTheOriginal() throws Exception {
        Path f = original("doc.txt", "original");
        OpenClient.Transport truncated = (request, reply) -> {
            reply.write("half of the ed".getBytes(StandardCharsets.UTF_8));
            return 125;
        };
        assertThatThrownBy(() -> OpenClient.open(f, false, LIMIT, truncated))
                .isInstanceOf(OpenClient.OpenFailedException.class)
                .hasMessageContaining("exit code 125")
                .extracting(e -> ((OpenClient.OpenFailedException) e).exitCode()).isEqualTo(125);
        assertThat(Files.readString(f)).isEqualTo("original");
        assertThat(entriesIn(f.getParent())).isEqualTo(1);
    }

    @Test
    void connectionLostMidReplyLeavesTheOriginal() throws Exception {
        Path f = original("doc.txt", "original");
        OpenClient.Transport broken = (request, reply) -> {
            reply.write("partial".getBytes(StandardCharsets.UTF_8));
            throw new IOException("connection reset");
        };
        assertThatThrownBy(() -> OpenClient.open(f, false, LIMIT, broken))
                .hasMessageContaining("connection reset").hasMessageContaining("unchanged");
        assertThat(Files.readString(f)).isEqualTo("original");
        assertThat(entriesIn(f.getParent())).isEqualTo(1);
    }

    @Test
    void editThroughASymlinkReplacesItsTargetAndKeepsTheLink() throws Exception {
        Harness h = harness().handler("printf 'new' > \"$1\"");
        Path target = original("real.txt", "old");
        Path link = Files.createSymbolicLink(target.resolveSibling("link.txt"), target.getFileName());
        OpenClient.open(link, false, LIMIT, h.transport());
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readString(target)).isEqualTo("new");
    }

    @Test
    void folderOrMissingFileIsAClearError() throws Exception {
        Harness h = harness().handler("true");
        Files.createDirectories(tmp.resolve("client"));
        assertThatThrownBy(() -> OpenClient.open(tmp.resolve("client"), false, LIMIT, h.transport()))
                .hasMessageContaining("not a regular file");
        assertThatThrownBy(() -> OpenClient.open(tmp.resolve("nope"), false, LIMIT, h.transport()))
                .hasMessageContaining("no such file");
    }

    @Test
    void slashInTheNameFromAHostileClientIsRefusedBeforeAnythingIsWritten() throws Exception {
        Harness h = harness().handler("touch " + tmp.resolve("handler-ran"));
        byte[] field = Arrays.copyOf("../../escape".getBytes(StandardCharsets.US_ASCII), 256);
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        int code = h.serve(new SequenceInputStream(new ByteArrayInputStream(field),
                new ByteArrayInputStream("payload".getBytes(StandardCharsets.UTF_8))), reply);
        assertThat(code).isEqualTo(1);
        assertThat(h.serviceErr()).contains("refused").contains("'/'");
        assertThat(reply.size()).isZero();
        assertThat(h.tempRootEmpty()).isTrue();
        assertThat(tmp.resolve("escape")).doesNotExist();
        assertThat(tmp.resolve("handler-ran")).doesNotExist();
    }

    @Test
    void endlessBodyFromAHostileClientIsCutAtTheLimit() throws Exception {
        Harness h = new Harness(tmp.resolve("service"), Duration.ofSeconds(20), 1 << 20, Map.of())
                .handler("touch " + tmp.resolve("handler-ran"));
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 'z';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                Arrays.fill(b, off, off + len, (byte) 'z');
                return len;
            }
        };
        int code = h.serve(new SequenceInputStream(new ByteArrayInputStream(
                NameField.encode("big.txt".getBytes(StandardCharsets.US_ASCII), false)), endless),
                OutputStream.nullOutputStream());
        assertThat(code).isEqualTo(1);
        assertThat(h.serviceErr()).contains("larger than 1048576 bytes");
        assertThat(h.tempRootEmpty()).isTrue();
        assertThat(tmp.resolve("handler-ran")).doesNotExist();
    }

    @Test
    void requestEndingInsideTheNameFieldIsRefused() throws Exception {
        Harness h = harness().handler("true");
        int code = h.serve(new ByteArrayInputStream("short".getBytes(StandardCharsets.US_ASCII)),
                OutputStream.nullOutputStream());
        assertThat(code).isEqualTo(1);
        assertThat(h.serviceErr()).contains("refused");
        assertThat(h.tempRootEmpty()).isTrue();
    }

    @Test
    void symlinkLeftByTheHandlerIsNotFollowedWhenSendingBack() throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret"), "the domain's secret");
        Harness h = harness().handler("ln -sf " + secret + " \"$1\"");
        Path f = original("doc.txt", "original");
        assertThatThrownBy(() -> OpenClient.open(f, false, LIMIT, h.transport()))
                .isInstanceOf(OpenClient.OpenFailedException.class);
        assertThat(Files.readString(f)).isEqualTo("original");
        assertThat(h.serviceErr()).contains("cannot read doc.txt after the handler");
    }

    @Test
    void handlerThatDeletesTheFileSendsNothing() throws Exception {
        Harness h = harness().handler("rm -f \"$1\"");
        Path f = original("doc.txt", "original");
        assertThatThrownBy(() -> OpenClient.open(f, false, LIMIT, h.transport()))
                .isInstanceOf(OpenClient.OpenFailedException.class);
        assertThat(h.serviceErr()).contains("removed doc.txt");
        assertThat(Files.readString(f)).isEqualTo("original");
    }

    @Test
    void handlerThatLocksItsFolderCannotKeepItAlive() throws Exception {
        Harness h = harness().handler("chmod 500 \"$(dirname \"$1\")\"");
        OpenClient.open(original("doc.txt", "x"), false, LIMIT, h.transport());
        assertThat(h.tempRootEmpty()).isTrue();
    }

    @Test
    void noHandlerIsAClearError() throws Exception {
        Harness h = harness();
        Path f = original("doc.txt", "original");
        assertThatThrownBy(() -> OpenClient.open(f, false, LIMIT, h.transport()))
                .isInstanceOf(OpenClient.OpenFailedException.class);
        assertThat(h.serviceErr()).contains("no program to open doc.txt").contains("no $EDITOR");
        assertThat(h.tempRootEmpty()).isTrue();
    }

    @Test
    void largeFileSurvivesTheRoundTripIntact() throws Exception {
        Harness h = harness().handler("printf 'tail' >> \"$1\"");
        byte[] content = new byte[5 * 1024 * 1024 + 17];
        new Random(7).nextBytes(content);
        Path f = Files.write(Files.createDirectories(tmp.resolve("client")).resolve("blob.bin"), content);
        OpenClient.open(f, false, LIMIT, h.transport());
        byte[] back = Files.readAllBytes(f);
        assertThat(back).hasSize(content.length + 4);
        assertThat(Arrays.copyOf(back, content.length)).isEqualTo(content);
        assertThat(Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).isTrue();
    }
}
