package dev.airlock.filecopy;

import dev.airlock.sys.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/** The sender against receivers that refuse, die or lie: a clear message, a failure, and never a hang. */
@Timeout(30)
class PackerFailureTest {

    /** Runs {@code receiver} on its own thread with the stream's source and the reply's sink, then sends. */
    private static Packer.Result sendTo(List<Path> sources, BiConsumer<Pipe.SourceChannel, Pipe.SinkChannel> receiver)
            throws Exception {
        Pipe data = Pipe.open();
        Pipe replies = Pipe.open();
        Thread t = Thread.ofPlatform().start(() -> {
            try (var in = data.source(); var out = replies.sink()) {
                receiver.accept(in, out);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        try (var replyIn = replies.source()) {
            return Packer.send(sources.stream().map(Path::toString).toList(), data.sink(), replyIn,
                    Packer.Options.defaults());
        } finally {
            t.join();
        }
    }

    private static Path bigFile(Path dir, String name) throws IOException {
        byte[] b = new byte[8 << 20];
        new Random(1).nextBytes(b);
        return Files.write(dir.resolve(name), b);
    }

    private static void readSome(Pipe.SourceChannel in, int n) {
        try {
            ByteBuffer b = ByteBuffer.allocate(n);
            while (b.hasRemaining() && in.read(b) >= 0) {
                // read until n bytes or end of stream
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads to the end of the stream, as a receiver that took everything would. */
    private static void drain(Pipe.SourceChannel in) {
        try {
            ByteBuffer b = ByteBuffer.allocate(1 << 16);
            while (in.read(b.clear()) >= 0) {
                // discard
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(Pipe.SinkChannel out, ByteBuffer b) {
        try {
            while (b.hasRemaining()) {
                out.write(b);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void receiverRefusingTheFirstEntryStopsTheSenderWithItsReason(@TempDir Path tmp) throws Exception {
        Path src = bigFile(tmp, "big.bin");
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Files.writeString(dest.resolve("big.bin"), "already here");

        assertThatThrownBy(() -> LocalCopy.run(List.of(src.toString()), dest, Unpacker.Options.defaults(),
                Packer.Options.defaults()))
                .isInstanceOf(TransferException.class)
                .hasMessageContaining("\"big.bin\" already exists");
        assertThat(dest.resolve("big.bin")).hasContent("already here");
    }

    @Test
    void receiverThatRefusesButKeepsItsInputOpenCannotBlockTheSender(@TempDir Path tmp) throws Exception {
        // Something between the ends (a relay) may keep the stream's pipe open after the receiver stops reading.
        Path src = bigFile(tmp, "big.bin");
        Pipe data = Pipe.open();
        Pipe replies = Pipe.open();
        try (var stillOpen = data.source(); var replyIn = replies.source()) {
            try (var out = replies.sink()) {
                write(out, ByteBuffer.wrap(new Reply(Errno.EDQUOT, 0, "big.bin".getBytes()).encode()));
            }
            long start = System.nanoTime();
            assertThatThrownBy(() -> Packer.send(List.of(src.toString()), data.sink(), replyIn,
                    Packer.Options.defaults()))
                    .isInstanceOf(TransferException.class).hasMessageContaining("limit");
            assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds").isLessThan(5_000);
        }
    }

    @Test
    void receiverSilentAfterTheEndMarkerTimesOut(@TempDir Path tmp) throws Exception {
        Path src = Files.writeString(tmp.resolve("f"), "x");
        Pipe data = Pipe.open();
        Pipe replies = Pipe.open();
        try (var in = data.source(); var replyIn = replies.source(); var silent = replies.sink()) {
            Thread.ofPlatform().daemon().start(() -> drain(in));
            assertThatThrownBy(() -> Packer.send(List.of(src.toString()), data.sink(), replyIn,
                    new Packer.Options(false, Packer.Progress.NONE, w -> { }, java.time.Duration.ofMillis(300))))
                    .isInstanceOf(TransferException.class).hasMessageContaining("did not answer");
        }
    }

    @Test
    void missingSourceEndsALocalCopyWithoutLeavingTheReceiverWaiting(@TempDir Path tmp) {
        assertThatThrownBy(() -> LocalCopy.run(List.of(tmp.resolve("gone").toString()), tmp.resolve("d"),
                Unpacker.Options.defaults(), Packer.Options.defaults()))
                .isInstanceOf(TransferException.class).hasMessageContaining("does not exist");
    }

    @Test
    void receiverDyingMidStreamIsReportedNotWaitedFor(@TempDir Path tmp) throws Exception {
        Path src = bigFile(tmp, "big.bin");
        assertThatThrownBy(() -> sendTo(List.of(src), (in, out) -> readSome(in, 100_000)))
                .isInstanceOf(TransferException.class)
                .hasMessageContaining("closed the connection without answering");
    }

    @Test
    void receiverAnsweringGarbageIsNotTrusted(@TempDir Path tmp) throws Exception {
        Path src = bigFile(tmp, "big.bin");
        assertThatThrownBy(() -> sendTo(List.of(src), (in, out) -> {
            readSome(in, 1000);
            write(out, ByteBuffer.wrap("HTTP/1.1 200 OK\r\n\r\n".getBytes()));
        })).isInstanceOf(TransferException.class).hasMessageContaining("answered garbage");
    }

    @Test
    void receiverAnsweringAShortReplyIsNotTrusted(@TempDir Path tmp) throws Exception {
        Path src = Files.writeString(tmp.resolve("f"), "x");
        assertThatThrownBy(() -> sendTo(List.of(src), (in, out) -> write(out, ByteBuffer.wrap(new byte[5]))))
                .isInstanceOf(TransferException.class).hasMessageContaining("answered garbage");
    }

    @Test
    void receiverClaimingSuccessEarlyIsNotTrusted(@TempDir Path tmp) throws Exception {
        Path src = bigFile(tmp, "big.bin");
        assertThatThrownBy(() -> sendTo(List.of(src), (in, out) -> {
            readSome(in, 100);
            write(out, ByteBuffer.wrap(new Reply(0, 0, null).encode()));
        })).isInstanceOf(TransferException.class).hasMessageContaining("before the end of the stream");
    }

    @Test
    void receiverWithWrongChecksumMeansCorruption(@TempDir Path tmp) throws Exception {
        Path src = Files.writeString(tmp.resolve("f"), "content");
        assertThatThrownBy(() -> sendTo(List.of(src), (in, out) -> {
            drain(in);
            write(out, ByteBuffer.wrap(new Reply(0, 0x12345678L, "f".getBytes()).encode()));
        })).isInstanceOf(TransferException.class).hasMessageContaining("different checksum");
    }

    @Test
    void receiverAnnouncingAHugeLastNameIsNotTrusted(@TempDir Path tmp) throws Exception {
        Path src = Files.writeString(tmp.resolve("f"), "content");
        assertThatThrownBy(() -> sendTo(List.of(src), (in, out) -> {
            drain(in);
            ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(0).putInt(0).putLong(0).putInt(Integer.MAX_VALUE).flip();
            write(out, b);
        })).isInstanceOf(TransferException.class).hasMessageContaining("answered garbage");
    }

    @Test
    void receiverErrorCodeBecomesAMessageNamingTheFile(@TempDir Path tmp) throws Exception {
        Path src = Files.writeString(tmp.resolve("f"), "content");
        assertThatThrownBy(() -> sendTo(List.of(src), (in, out) -> {
            readSome(in, 10);
            write(out, ByteBuffer.wrap(new Reply(Errno.EDQUOT, 0, "f".getBytes()).encode()));
        })).isInstanceOf(TransferException.class).hasMessageContaining("limit").hasMessageContaining("\"f\"");
    }

    @Test
    void fileThatGrowsWhileSentIsAnErrorNeverATruncatedCopy(@TempDir Path tmp) throws Exception {
        // /proc files report size 0 but have content: the sender sees a file grow under it, deterministically.
        Path proc = Path.of("/proc/self/status");
        assumeThat(proc).exists();
        Path dest = tmp.resolve("dest");
        assertThatThrownBy(() -> LocalCopy.run(List.of(proc.toString()), dest, Unpacker.Options.defaults(),
                Packer.Options.defaults()))
                .isInstanceOf(TransferException.class).hasMessageContaining("\"status\" grew");
        assertThat(dest.resolve("status")).doesNotExist();
    }

    @Test
    void emptyDotAndDotDotArgumentsAreRefusedBeforeSending(@TempDir Path tmp) {
        for (String bad : List.of("", ".", "..", tmp + "/..", "/")) {
            assertThatThrownBy(() -> Packer.survey(List.of(bad), false)).as(bad)
                    .isInstanceOf(TransferException.class);
        }
    }

    @Test
    void missingSourceIsNamedInTheError(@TempDir Path tmp) {
        assertThatThrownBy(() -> Packer.survey(List.of(tmp.resolve("nope").toString()), false))
                .isInstanceOf(TransferException.class).hasMessageContaining("\"nope\": it does not exist");
    }

    @Test
    void specialFilesAreSkippedWithAWarning(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("d"));
        Files.writeString(dir.resolve("keep"), "k");
        Process p = new ProcessBuilder("mkfifo", dir.resolve("fifo").toString()).start();
        assumeThat(p.waitFor()).as("mkfifo works").isZero();
        List<String> warnings = new java.util.ArrayList<>();
        LocalCopy.run(List.of(dir.toString()), tmp.resolve("out"), Unpacker.Options.defaults(),
                new Packer.Options(false, Packer.Progress.NONE, warnings::add));
        assertThat(tmp.resolve("out/d/keep")).hasContent("k");
        assertThat(tmp.resolve("out/d/fifo")).doesNotExist();
        assertThat(warnings).singleElement().asString().contains("d/fifo");
    }
}
