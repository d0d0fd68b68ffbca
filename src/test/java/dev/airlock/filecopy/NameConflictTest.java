package dev.airlock.filecopy;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.airlock.filecopy.StreamBuilder.S_IFREG;
import static dev.airlock.filecopy.StreamBuilder.header;
import static dev.airlock.filecopy.StreamBuilder.nul;
import static dev.airlock.filecopy.StreamBuilder.utf8;
import static dev.airlock.sys.Errno.EEXIST;
import static dev.airlock.sys.Errno.EILSEQ;
import static dev.airlock.sys.Errno.EOPNOTSUPP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Name conflicts (qubes-issues #1772): the receiver's choice of fail, skip or rename, never overwrite, race-free
 * renaming, and the report that only a sender that asked for it receives.
 */
class NameConflictTest {
    private static final byte[] OLD = utf8("the receiver's own file\n");
    private static final byte[] NEW = utf8("from the sender\n");

    @TempDir
    Path tmp;
    Path dest;

    @BeforeEach
    void setUp() throws IOException {
        dest = Files.createDirectory(tmp.resolve("dest"));
    }

    static StreamBuilder preamble(StreamBuilder s, String body) {
        byte[] b = utf8(body);
        return s.raw(header(0, Preamble.NAME_BYTES.length + 1L, b.length), nul(Preamble.NAME), b);
    }

    static Unpacker.Options receiver(ConflictMode mode) {
        return new Unpacker.Options(false, 0, 0, mode, true);
    }

    private Reply receive(byte[] stream, Unpacker.Options options, ByteArrayOutputStream wire) throws IOException {
        return Unpacker.receive(dest, Channels.newChannel(new ByteArrayInputStream(stream)), Channels.newChannel(wire),
                options);
    }

    @ParameterizedTest
    @EnumSource(ConflictMode.class)
    void senderCannotOverwriteAnExistingFileWhateverTheConflictMode(ConflictMode mode) throws IOException {
        Files.write(dest.resolve("a.txt"), OLD);
        Files.createDirectory(dest.resolve("d"));
        Files.createSymbolicLink(dest.resolve("d/l"), Path.of("x"));
        byte[] stream = preamble(new StreamBuilder(), "report\n").file("a.txt", 0644, NEW)
                .dir("d", 0755).symlink("d/l", "y").dir("d", 0755).end().bytes();
        Reply r = receive(stream, receiver(mode), new ByteArrayOutputStream());

        assertThat(Files.readAllBytes(dest.resolve("a.txt"))).isEqualTo(OLD);
        assertThat(Files.readSymbolicLink(dest.resolve("d/l"))).isEqualTo(Path.of("x"));
        switch (mode) {
            case FAIL -> assertThat(r.errorCode()).isEqualTo(EEXIST);
            case SKIP -> {
                assertThat(r.errorCode()).isZero();
                assertThat(r.conflicts().listed()).containsExactly(new Conflict.Skipped("a.txt"),
                        new Conflict.Skipped("d/l"));
                assertThat(dest.resolve("a (1).txt")).doesNotExist();
            }
            case RENAME -> {
                assertThat(r.errorCode()).isZero();
                assertThat(r.conflicts().listed()).containsExactly(new Conflict.Renamed("a.txt", "a (1).txt"),
                        new Conflict.Renamed("d/l", "d/l (1)"));
                assertThat(Files.readAllBytes(dest.resolve("a (1).txt"))).isEqualTo(NEW);
                assertThat(Files.readSymbolicLink(dest.resolve("d/l (1)"))).isEqualTo(Path.of("y"));
            }
        }
    }

    @Test
    void renameTakesTheFirstFreeNameAndKeepsTheExtension() throws IOException {
        Files.write(dest.resolve("a.tar.gz"), OLD);
        Files.write(dest.resolve("a.tar (1).gz"), OLD);
        Files.write(dest.resolve(".hidden"), OLD);
        byte[] stream = preamble(new StreamBuilder(), "report\n").file("a.tar.gz", 0644, NEW)
                .file(".hidden", 0644, NEW).end().bytes();
        Reply r = receive(stream, receiver(ConflictMode.RENAME), new ByteArrayOutputStream());

        assertThat(r.errorCode()).isZero();
        assertThat(Files.readAllBytes(dest.resolve("a.tar (2).gz"))).isEqualTo(NEW);
        assertThat(Files.readAllBytes(dest.resolve(".hidden (1)"))).isEqualTo(NEW);
        assertThat(Files.readAllBytes(dest.resolve("a.tar (1).gz"))).isEqualTo(OLD);
    }

    @ParameterizedTest
    @EnumSource(value = ConflictMode.class, names = {"SKIP", "RENAME"})
    void renamedFileNeverReplacesAFileCreatedMeanwhile(ConflictMode mode) throws IOException {
        // The name is free when the entry arrives and taken while its body is still on the way.
        byte[] stream = preamble(new StreamBuilder(), "report\n").file("a.txt", 0644, NEW).end().bytes();
        int bodyStart = stream.length - FileHeader.SIZE - NEW.length + 1;
        ReadableByteChannel in = new Hooked(stream, bodyStart, () -> write(dest.resolve("a.txt"), OLD));
        Reply r = Unpacker.receive(dest, in, Channels.newChannel(new ByteArrayOutputStream()), receiver(mode));

        assertThat(r.errorCode()).isZero();
        assertThat(Files.readAllBytes(dest.resolve("a.txt"))).isEqualTo(OLD);
        if (mode == ConflictMode.RENAME) {
            assertThat(r.conflicts().listed()).containsExactly(new Conflict.Renamed("a.txt", "a (1).txt"));
            assertThat(Files.readAllBytes(dest.resolve("a (1).txt"))).isEqualTo(NEW);
        } else {
            assertThat(r.conflicts().listed()).containsExactly(new Conflict.Skipped("a.txt"));
        }
        try (var s = Files.list(dest)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".airlock-incoming-"));
        }
    }

    @Test
    void qubesMoveCannotLoseAFileTheReceiverWouldSkip() throws IOException {
        // A Qubes sender reads no report: a skipped file would look delivered and qvm-move would delete its source.
        Files.write(dest.resolve("a.txt"), OLD);
        byte[] stream = new StreamBuilder().file("a.txt", 0644, NEW).end().bytes();
        Reply r = receive(stream, receiver(ConflictMode.SKIP), new ByteArrayOutputStream());

        assertThat(r.errorCode()).isEqualTo(EEXIST);
        assertThat(Files.readAllBytes(dest.resolve("a.txt"))).isEqualTo(OLD);
    }

    @Test
    void qubesSenderGetsAByteCompatibleReplyWhenTheReceiverRenames() throws IOException {
        Files.write(dest.resolve("a.txt"), OLD);
        byte[] stream = new StreamBuilder().file("a.txt", 0644, NEW).end().bytes();
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        Reply r = receive(stream, receiver(ConflictMode.RENAME), wire);

        assertThat(r.conflicts()).isNull();
        assertThat(wire.toByteArray()).isEqualTo(new Reply(0, StreamBuilder.crc32(stream, stream.length),
                utf8("a.txt")).encode());
        assertThat(Files.readAllBytes(dest.resolve("a (1).txt"))).isEqualTo(NEW);
    }

    @Test
    void senderCannotChooseTheConflictMode() throws IOException {
        Files.write(dest.resolve("a.txt"), OLD);
        byte[] stream = preamble(new StreamBuilder(), "report\nconflicts overwrite\n").file("a.txt", 0644, NEW)
                .end().bytes();
        Reply r = receive(stream, receiver(ConflictMode.FAIL), new ByteArrayOutputStream());

        assertThat(r.errorCode()).isEqualTo(EOPNOTSUPP);
        assertThat(Files.readAllBytes(dest.resolve("a.txt"))).isEqualTo(OLD);
        try (var s = Files.list(dest)) {
            assertThat(s.toList()).hasSize(1);
        }
    }

    @Test
    void receiverWithoutExtensionsRefusesThePreambleAndWritesNothing() throws IOException {
        byte[] stream = preamble(new StreamBuilder(), "report\nto inbox\n").file("a.txt", 0644, NEW).end().bytes();
        Reply r = receive(stream, Unpacker.Options.defaults(), new ByteArrayOutputStream());

        assertThat(r.errorCode()).isEqualTo(EILSEQ);
        assertThat(r.lastName()).isEqualTo(Preamble.NAME_BYTES);
        try (var s = Files.list(dest)) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void reportRoundTripsAndItsSizeIsBoundedWhateverTheSenderSends() throws IOException {
        StreamBuilder s = preamble(new StreamBuilder(), "report\n");
        for (int i = 0; i < ConflictReport.MAX_LISTED + 5; i++) {
            Files.write(dest.resolve("f" + i), OLD);
            s.file("f" + i, 0644, NEW);
        }
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        Reply r = receive(s.end().bytes(), receiver(ConflictMode.SKIP), wire);

        assertThat(r.conflicts().listed()).hasSize(ConflictReport.MAX_LISTED);
        assertThat(r.conflicts().moreSkipped()).isEqualTo(5);
        Reply read = ReplyReader.read(Channels.newChannel(new ByteArrayInputStream(wire.toByteArray())), true);
        assertThat(read.conflicts()).isEqualTo(r.conflicts());
        assertThat(read.conflicts().skippedAnythingOf("/home/user/anything")).isTrue();
    }

    @Test
    void moveKeepsOnlyTheArgumentsOfWhichSomethingWasSkipped() {
        ConflictReport report = new ConflictReport(List.of(new Conflict.Skipped("docs/a.txt"),
                new Conflict.Renamed("b.txt", "b (1).txt")), 0, 0);
        assertThat(report.skippedAnythingOf("/home/user/docs/")).isTrue();
        assertThat(report.skippedAnythingOf("docs2")).isFalse();
        assertThat(report.skippedAnythingOf("b.txt")).isFalse();
    }

    @Test
    void receiverCannotFloodTheSenderWithAHugeReport() {
        ByteBuffer head = ByteBuffer.allocate(ConflictReport.HEAD_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        head.putInt(0, 0x52434c41).putInt(4, Integer.MAX_VALUE);
        assertThatThrownBy(() -> ConflictReport.read(head,
                        Channels.newChannel(new ByteArrayInputStream(new byte[0]))))
                .isInstanceOf(TransferException.class).hasMessageContaining("lists");
    }

    private static void write(Path p, byte[] content) {
        try {
            Files.write(p, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Hands the stream out one byte at a time and runs {@code hook} once {@code at} bytes were read. */
    private static final class Hooked implements ReadableByteChannel {
        private final byte[] data;
        private final int at;
        private final Runnable hook;
        private int pos;

        Hooked(byte[] data, int at, Runnable hook) {
            this.data = data;
            this.at = at;
            this.hook = hook;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (pos == data.length) {
                return -1;
            }
            if (pos == at) {
                hook.run();
            }
            dst.put(data[pos++]);
            return 1;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
