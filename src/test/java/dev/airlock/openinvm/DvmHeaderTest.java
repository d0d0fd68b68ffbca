package dev.airlock.openinvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class DvmHeaderTest {

    private static ByteBuffer raw(long size, String name) {
        ByteBuffer b = ByteBuffer.allocate(DvmHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(size).put(name.getBytes(StandardCharsets.UTF_8));
        return b.clear();
    }

    @Test
    void layoutIsLittleEndianSizeThenNulPaddedName() {
        byte[] b = new DvmHeader(0x0102030405L, "a.txt").encode();
        assertThat(b).hasSize(1024);
        assertThat(b[0]).isEqualTo((byte) 0x05);
        assertThat(b[4]).isEqualTo((byte) 0x01);
        assertThat(new String(b, 8, 5, StandardCharsets.US_ASCII)).isEqualTo("a.txt");
        assertThat(b[13]).isZero();
    }

    @Test
    void decodeAdvancesPastTheHeaderOnly() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(DvmHeader.SIZE + 3);
        new DvmHeader(3, "x").encode(b);
        b.put(new byte[] {1, 2, 3}).flip();
        assertThat(DvmHeader.decode(b, 10)).isEqualTo(new DvmHeader(3, "x"));
        assertThat(b.remaining()).isEqualTo(3);
    }

    @Test
    void sizeOverTheLimitIsRefusedBeforeAnyContentIsRead() {
        assertThatThrownBy(() -> DvmHeader.decode(raw(11, "a"), 10)).hasMessageContaining("over the limit");
        assertThatThrownBy(() -> DvmHeader.decode(raw(-1, "a"), Long.MAX_VALUE))
                .hasMessageContaining("18446744073709551615");
    }

    @Test
    void slashInNameCannotEscapeTheTargetFolder() {
        assertThatThrownBy(() -> DvmHeader.decode(raw(1, "../x"), 10)).hasMessageContaining("'/'");
    }

    @Test
    void truncatedUnterminatedEmptyOrPaddedWithGarbageIsRefused() {
        assertThatThrownBy(() -> DvmHeader.decode(ByteBuffer.allocate(1023), 10)).hasMessageContaining("truncated");
        assertThatThrownBy(() -> DvmHeader.decode(raw(1, "y".repeat(1016)), 10))
                .hasMessageContaining("NUL-terminated");
        assertThatThrownBy(() -> DvmHeader.decode(raw(1, ""), 10)).hasMessageContaining("empty");
        ByteBuffer b = raw(1, "a");
        b.put(100, (byte) 1);
        assertThatThrownBy(() -> DvmHeader.decode(b, 10)).hasMessageContaining("after its name");
    }

    @Test
    void nameThatIsNotUtf8IsRefused() {
        ByteBuffer b = raw(1, "a");
        b.put(9, (byte) 0xff);
        assertThatThrownBy(() -> DvmHeader.decode(b, 10)).hasMessageContaining("UTF-8");
    }

    @Test
    void longestNameFits() throws Exception {
        String name = "n".repeat(1015);
        assertThat(DvmHeader.decode(ByteBuffer.wrap(new DvmHeader(0, name).encode()), 0).name()).isEqualTo(name);
        assertThatThrownBy(() -> new DvmHeader(0, name + "n")).isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 2000)
    void anyBytesDecodeToAValidHeaderOrAreRefused(@ForAll @Size(1024) byte[] bytes,
                                                  @ForAll @LongRange(min = 0) long limit) {
        try {
            DvmHeader h = DvmHeader.decode(ByteBuffer.wrap(bytes), limit);
            assertThat(h.fileSize()).isBetween(0L, limit);
            assertThat(h.name()).doesNotContain("/", "\0").isNotEmpty();
        } catch (DvmHeader.InvalidHeaderException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 1000)
    void encodeThenDecodeIsIdentity(@ForAll @LongRange(min = 0) long size, @ForAll("names") String name)
            throws Exception {
        DvmHeader h = new DvmHeader(size, name);
        assertThat(DvmHeader.decode(ByteBuffer.wrap(h.encode()), Long.MAX_VALUE)).isEqualTo(h);
    }

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.strings().excludeChars('/', '\0').ofMinLength(1).ofMaxLength(300)
                .filter(s -> s.getBytes(StandardCharsets.UTF_8).length <= 1015)
                .filter(s -> s.codePoints().noneMatch(c -> c >= 0xd800 && c <= 0xdfff));
    }
}
