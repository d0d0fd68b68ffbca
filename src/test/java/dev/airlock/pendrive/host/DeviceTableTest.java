package dev.airlock.pendrive.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.pendrive.Device;
import dev.airlock.pendrive.fat.FileBlockDevice;
import dev.airlock.pendrive.wire.ChannelResponse.Code;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceTableTest {
    @TempDir
    Path tmp;

    private Path image() throws Exception {
        Path p = tmp.resolve("pendrive-1.img");
        FileBlockDevice.create(p, 1 << 20).close();
        return p;
    }

    @Test
    void noWriteLandsAfterDetachReturnsEvenWithWritesInFlight() throws Exception {
        Path image = image();
        DeviceTable table = new DeviceTable();
        table.attach("work", Device.XVDG, 1, image, true);
        AtomicLong written = new AtomicLong();
        AtomicReference<DeviceRefusal> refusal = new AtomicReference<>();
        CountDownLatch running = new CountDownLatch(1);
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                for (long i = 1; ; i++) {
                    table.write("work", Device.XVDG, 0, ByteBuffer.allocate(8).putLong(i).array());
                    written.set(i);
                    running.countDown();
                }
            } catch (DeviceRefusal e) {
                refusal.set(e);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        running.await();
        table.detach("work", Device.XVDG, 1);
        byte[] atDetach = Files.readAllBytes(image);
        writer.join(5000);
        assertThat(writer.isAlive()).isFalse();
        assertThat(refusal.get().code()).isEqualTo(Code.NOT_ATTACHED);
        assertThat(Files.readAllBytes(image)).as("the image as it was when detach returned").isEqualTo(atDetach);
        assertThat(ByteBuffer.wrap(atDetach).getLong()).isEqualTo(written.get());
    }

    @Test
    void detachingAnotherImageLeavesTheAttachedOneAlone() throws Exception {
        DeviceTable table = new DeviceTable();
        table.attach("work", Device.XVDG, 1, image(), true);
        table.detach("work", Device.XVDG, 2);
        table.detach("personal", Device.XVDG, 1);
        assertThat(table.imageOf("work", Device.XVDG)).isEqualTo(1);
        assertThat(table.read("work", Device.XVDG, 0, 4)).hasSize(4);
    }

    @Test
    void aDomainCannotHaveTwoOutgoingPendrives() throws Exception {
        DeviceTable table = new DeviceTable();
        Path image = image();
        table.attach("work", Device.XVDG, 1, image, true);
        assertThatThrownBy(() -> table.attach("work", Device.XVDG, 2, image, true))
                .isInstanceOf(IllegalStateException.class);
        assertThat(table.imageOf("work", Device.XVDG)).isEqualTo(1);
    }
}
