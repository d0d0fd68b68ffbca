package dev.airlock.openinvm;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of what a disposable's caller sends first (issue 17): the legacy {@code dvm_header} and
 * the {@code qubes.OpenInVM} name field. Only their documented refusals escape; an accepted name is a base name
 * that stays in the folder it is put into, the size is within the limit, and both re-encode to the bytes read.
 */
class OpenInVmFuzzTest {
    private static final long MAX_SIZE = 1L << 30;
    private static final Path FOLDER = Path.of("/tmp/airlock-open");

    @FuzzTest(maxDuration = "10m")
    void dvmHeader(byte[] data) {
        ByteBuffer in = ByteBuffer.wrap(data);
        DvmHeader h;
        try {
            h = DvmHeader.decode(in, MAX_SIZE);
        } catch (DvmHeader.InvalidHeaderException refused) {
            return;
        }
        assertThat(h.fileSize()).isBetween(0L, MAX_SIZE);
        assertContained(h.name());
        assertThat(h.encode()).as("the header re-encodes to the bytes read")
                .isEqualTo(Arrays.copyOf(data, DvmHeader.SIZE));
    }

    @FuzzTest(maxDuration = "10m")
    void nameField(byte[] data) throws NameField.InvalidNameException {
        byte[] field = Arrays.copyOf(data, NameField.SIZE);
        NameField n;
        try {
            n = NameField.decode(field);
        } catch (NameField.InvalidNameException refused) {
            return;
        }
        assertThat(n.name()).matches("[0-9A-Za-z._+@-]{1,255}").isNotIn(".", "..");
        assertContained(n.name());
        assertThat(NameField.decode(n.encode())).as("the field the name re-encodes to reads the same").isEqualTo(n);
    }

    private static void assertContained(String name) {
        Path p = FOLDER.resolve(name).normalize();
        assertThat(p.getParent()).as("%s stays in the folder", name).isEqualTo(FOLDER);
        assertThat(name.getBytes(StandardCharsets.UTF_8)).doesNotContain((byte) 0, (byte) '/');
    }
}
