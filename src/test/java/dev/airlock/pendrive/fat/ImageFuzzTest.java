package dev.airlock.pendrive.fat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Assertions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mutates the structures of a valid image (boot sector, the start of the first FAT, directories and small files)
 * with random bytes and with values that matter to FAT (0, 1, end and bad marks, cluster numbers near the edges);
 * reading each result must end cleanly or with a {@link FatException}, within a time bound. Seeded, so every run
 * tries the same images.
 */
class ImageFuzzTest {
    private static final Geometry G = Formatter.geometry(Images.SMALL);
    private static final MemoryDevice BASE = base();
    private static final long[] VALUES = {0, 1, 2, 3, 5, 0x0FFF_FFF7L, 0x0FFF_FFF8L, 0x0FFF_FFFFL, 0xFFFF_FFFFL,
            0x7FFF_FFFFL, G.lastCluster(), G.lastCluster() + 1, 0x10000, 65_525};

    private static MemoryDevice base() {
        try {
            MemoryDevice d = Images.formatted(Images.SMALL, "fuzz");
            try (FatWriter w = FatWriter.open(d)) {
                FatWriter.Directory a = w.root().mkdir("a folder", 0);
                Images.writeFile(a, "file one.txt", new byte[700]);
                FatWriter.Directory b = a.mkdir("B", 0);
                Images.writeFile(b, "X.BIN", new byte[1300]);
                for (int i = 0; i < 20; i++) {
                    Images.writeFile(w.root(), "name number " + i, new byte[i * 100]);
                }
            }
            return d;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where a mutation lands and what it writes: a byte, or a 32-bit value when {@code value >= 0}. */
    record Mutation(int region, int offset, int b, long value) {
    }

    @Provide
    Arbitrary<Mutation> mutations() {
        Arbitrary<Long> values = Arbitraries.oneOf(Arbitraries.just(-1L),
                Arbitraries.of(Arrays.stream(VALUES).boxed().toList()));
        return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 16_383),
                Arbitraries.integers().between(0, 255), values).as(Mutation::new);
    }

    private static long offset(Mutation m) {
        return switch (m.region()) {
            case 0 -> m.offset() % 512;
            case 1 -> G.fatOffset(0) + m.offset() % 512;
            default -> G.dataOffset() + m.offset();
        };
    }

    @Property(tries = 1000, seed = "20261122")
    void mutatedImagesAreReadOrRefusedWithTypedErrors(@ForAll @Size(min = 1, max = 8)
                                                     List<@From("mutations") Mutation> mutations) throws IOException {
        MemoryDevice d = BASE.copy();
        for (Mutation m : mutations) {
            long at = offset(m);
            if (m.value() >= 0) {
                at -= at % 4;
                d.write(at, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) m.value()));
            } else {
                d.poke(at, (byte) m.b());
            }
        }
        Throwable[] thrown = new Throwable[1];
        Assertions.assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            try {
                long read = Images.drain(d, FatReader.Options.defaults());
                assertThat(read).isLessThanOrEqualTo(G.dataBytes());
            } catch (FatException e) {
                thrown[0] = e;
            }
        });
        if (thrown[0] != null) {
            assertThat(thrown[0].getMessage()).isNotBlank();
        }
        Statistics.collect(thrown[0] == null ? "read" : thrown[0].getClass().getSimpleName());
    }
}
