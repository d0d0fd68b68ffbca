package dev.airlock.filecopy;

import dev.airlock.sys.Fd;
import dev.airlock.sys.Posix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sender's content path: a file that is not the size its header announced never reaches the stream in part. */
class StreamWriterTest {
    private static Fd open(Path p) throws Exception {
        return Fd.CWD.open(p.toString().getBytes(StandardCharsets.UTF_8), Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
    }

    @Test
    void fileThatGrewAfterItsHeaderSendsNoneOfItsLastChunk(@TempDir Path tmp) throws Exception {
        // The header said 5 bytes (the size when it was examined); the file holds 10 when read.
        Path f = Files.writeString(tmp.resolve("f"), "0123456789");
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        StreamWriter w = new StreamWriter(Channels.newChannel(sent), n -> { });
        try (Fd fd = open(f)) {
            assertThatThrownBy(() -> w.fileContent(fd, 5, "f"))
                    .isInstanceOf(TransferException.class).hasMessageContaining("\"f\" grew");
        }
        w.flush();
        assertThat(sent.toByteArray()).isEmpty();
    }

    @Test
    void fileThatShrankAfterItsHeaderIsAnError(@TempDir Path tmp) throws Exception {
        Path f = Files.writeString(tmp.resolve("f"), "01234");
        StreamWriter w = new StreamWriter(Channels.newChannel(new ByteArrayOutputStream()), n -> { });
        try (Fd fd = open(f)) {
            assertThatThrownBy(() -> w.fileContent(fd, 10, "f"))
                    .isInstanceOf(TransferException.class).hasMessageContaining("\"f\" shrank");
        }
    }

    @Test
    void fileOfTheAnnouncedSizeIsSentWhole(@TempDir Path tmp) throws Exception {
        Path f = Files.writeString(tmp.resolve("f"), "0123456789");
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        StreamWriter w = new StreamWriter(Channels.newChannel(sent), n -> { });
        try (Fd fd = open(f)) {
            w.fileContent(fd, 10, "f");
        }
        w.flush();
        assertThat(sent.toString(StandardCharsets.US_ASCII)).isEqualTo("0123456789");
    }
}
