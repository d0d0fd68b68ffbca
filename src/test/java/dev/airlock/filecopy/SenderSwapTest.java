package dev.airlock.filecopy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The send walk trusts the directory listing's "regular file" only as a hint: what it opens is opened without
 * following links and checked again, so an entry swapped after the listing never sends what it now points to.
 */
class SenderSwapTest {
    @Test
    void regularFileSwappedForALinkAfterTheListingIsNeverFollowed(@TempDir Path tmp) throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret"), "not for the receiver");
        Path dir = Files.createDirectories(tmp.resolve("d"));
        Files.writeString(dir.resolve("a"), "first");
        Files.writeString(dir.resolve("b"), "second");
        // Once a's content is sent, d has been listed (b as a regular file): b becomes a link to the secret.
        Packer.Progress swapper = new Packer.Progress() {
            private boolean swapped;

            @Override
            public void start(long totalBytes) {
            }

            @Override
            public void sent(long bytes) {
                if (!swapped) {
                    swapped = true;
                    try {
                        Files.delete(dir.resolve("b"));
                        Files.createSymbolicLink(dir.resolve("b"), secret);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }

            @Override
            public void finish(boolean success) {
            }
        };
        Path dest = tmp.resolve("dest");
        assertThatThrownBy(() -> LocalCopy.run(List.of(dir.toString()), dest, Unpacker.Options.defaults(),
                new Packer.Options(false, swapper, w -> { })))
                .isInstanceOf(TransferException.class).hasMessageContaining("\"d/b\"");
        assertThat(dest.resolve("d/b")).doesNotExist();
        try (var files = Files.walk(dest)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(p)).isNotEqualTo("not for the receiver");
            }
        }
    }
}
