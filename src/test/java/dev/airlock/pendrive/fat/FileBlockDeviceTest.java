package dev.airlock.pendrive.fat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileBlockDeviceTest {
    @TempDir
    Path tmp;

    @Test
    void createMakesASparseFileOfTheSizeAndNeverOverwrites() throws IOException {
        Path image = tmp.resolve("x.img");
        try (FileBlockDevice d = FileBlockDevice.create(image, 64L << 20)) {
            assertThat(d.size()).isEqualTo(64L << 20);
            d.write(4096, ByteBuffer.wrap(new byte[] {1, 2, 3}));
            ByteBuffer back = ByteBuffer.allocate(3);
            d.read(4096, back);
            assertThat(back.array()).containsExactly(1, 2, 3);
        }
        assertThat(FatRoundTripTest.allocatedBytes(image)).isLessThan(64 * 1024);
        assertThatThrownBy(() -> FileBlockDevice.create(image, 1 << 20)).isInstanceOf(FileAlreadyExistsException.class);
    }

    @Test
    void rangesOutsideTheDeviceAreRefused() throws IOException {
        try (FileBlockDevice d = FileBlockDevice.create(tmp.resolve("y.img"), 8192)) {
            assertThatThrownBy(() -> d.read(8190, ByteBuffer.allocate(4))).isInstanceOf(IOException.class)
                    .hasMessageContaining("outside the image");
            assertThatThrownBy(() -> d.write(-1, ByteBuffer.allocate(1))).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> d.read(Long.MAX_VALUE, ByteBuffer.allocate(1))).isInstanceOf(IOException.class);
        }
    }

    @Test
    void readOnlyDeviceRefusesWrites() throws IOException {
        Path image = tmp.resolve("z.img");
        Files.write(image, new byte[4096]);
        try (FileBlockDevice d = FileBlockDevice.open(image, false)) {
            assertThatThrownBy(() -> d.write(0, ByteBuffer.allocate(1))).isInstanceOf(IOException.class)
                    .hasMessageContaining("read-only");
        }
    }

    @Test
    void symlinkToAnImageIsNotFollowed() throws IOException {
        Path image = tmp.resolve("real.img");
        Files.write(image, new byte[4096]);
        Path link = Files.createSymbolicLink(tmp.resolve("link.img"), image);
        assertThatThrownBy(() -> FileBlockDevice.open(link, false)).isInstanceOf(IOException.class);
    }
}
