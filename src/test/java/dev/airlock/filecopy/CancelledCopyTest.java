package dev.airlock.filecopy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A copy the person cancels (the progress window's Cancel) stops short, and the receiver keeps nothing partial. */
@Timeout(30)
class CancelledCopyTest {
    /** Cancels once {@code after} bytes of content have gone. */
    private static final class CancelAfter implements Packer.Progress {
        private final long after;
        private long sent;
        private Boolean finished;

        CancelAfter(long after) {
            this.after = after;
        }

        @Override
        public void start(long totalBytes) {
        }

        @Override
        public void sent(long bytes) {
            sent = bytes;
        }

        @Override
        public void finish(boolean success) {
            finished = success;
        }

        @Override
        public boolean cancelled() {
            return sent >= after;
        }
    }

    @Test
    void cancelledCopyLeavesNoPartialFileAtTheReceiver(@TempDir Path tmp) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path small = Files.writeString(src.resolve("a-small.txt"), "complete");
        byte[] big = new byte[24 << 20];
        new Random(7).nextBytes(big);
        Path large = Files.write(src.resolve("b-large.bin"), big);
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        CancelAfter progress = new CancelAfter(small.toFile().length() + (3 << 20));

        assertThatThrownBy(() -> LocalCopy.run(List.of(small.toString(), large.toString()), dest,
                new Unpacker.Options(false, 0, 0), new Packer.Options(false, progress, w -> { })))
                .isInstanceOf(TransferException.class).hasMessageContaining("cancelled");

        assertThat(progress.finished).isFalse();
        assertThat(progress.sent).isLessThan(big.length);
        try (Stream<Path> left = Files.walk(dest)) {
            assertThat(left.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                    .as("what the receiver kept").doesNotContain("b-large.bin")
                    .allMatch(n -> n.equals("a-small.txt"));
        }
    }

    @Test
    void copyThatIsNeverCancelledCompletes(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("f.txt"), "all of it");
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        CancelAfter never = new CancelAfter(Long.MAX_VALUE);
        LocalCopy.run(List.of(file.toString()), dest, new Unpacker.Options(false, 0, 0),
                new Packer.Options(false, never, w -> { }));
        assertThat(never.finished).isTrue();
        assertThat(dest.resolve("f.txt")).hasContent("all of it");
    }
}
