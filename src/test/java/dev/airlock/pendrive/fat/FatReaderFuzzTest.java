package dev.airlock.pendrive.fat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the FAT reader (issue 17). A pendrive image is 40 MiB, too large to mutate blindly:
 * the fuzzer patches a valid image made by our own formatter and writer (a tree with long names, folders and
 * files) where it matters, in the boot sector, the first FAT sector, and the first directories and files. Only a
 * {@link FatException} may end the walk, and until it does the reader keeps its limits (entries, bytes, depth),
 * reports each path once, gives only paths that the name rules accept, and hands out exactly a file's size.
 */
class FatReaderFuzzTest {
    private static final Geometry G = Formatter.geometry(Images.SMALL);
    private static final MemoryDevice BASE = base();
    private static final FatReader.Options LIMITS = new FatReader.Options(false, 64 << 10, 30, 256, 3);

    private static MemoryDevice base() {
        try {
            MemoryDevice d = Images.formatted(Images.SMALL, "FUZZ");
            try (FatWriter w = FatWriter.open(d)) {
                FatWriter.Directory a = w.root().mkdir("a folder with a long name", 0);
                Images.writeFile(a, "file one.txt", new byte[700]);
                FatWriter.Directory b = a.mkdir("B", 0);
                Images.writeFile(b, "X.BIN", new byte[1300]);
                Images.writeFile(b.mkdir("deep", 0), "\u00e9t\u00e9.txt", new byte[5000]);
                for (int i = 0; i < 6; i++) {
                    Images.writeFile(w.root(), "name number " + i, new byte[i * 1000]);
                }
            }
            return d;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void image(FuzzedDataProvider data) throws IOException {
        MemoryDevice d = BASE.copy();
        while (data.remainingBytes() > 4) {
            long at = switch (data.consumeInt(0, 2)) {
                case 0 -> data.consumeInt(0, 511);
                case 1 -> G.fatOffset(0) + data.consumeInt(0, 511);
                default -> G.dataOffset() + data.consumeInt(0, 24 * G.clusterSize() - 1);
            };
            byte[] patch = data.consumeBytes(data.consumeInt(1, 8));
            for (int i = 0; i < patch.length; i++) {
                d.poke(at + i, patch[i]);
            }
        }
        Walk walk = new Walk();
        try {
            FatReader.open(d, LIMITS).walk(walk);
        } catch (FatException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
        assertThat(walk.entries).as("entries").isLessThanOrEqualTo(LIMITS.maxEntries());
        assertThat(walk.bytes).as("content bytes").isLessThanOrEqualTo(LIMITS.maxBytes());
    }

    /** Checks each entry as the reader hands it out. */
    private static final class Walk implements FatReader.Visitor, WritableByteChannel {
        final Set<String> seen = new HashSet<>();
        long entries;
        long bytes;

        private void entry(FatReader.Entry e) {
            entries++;
            assertThat(seen.add(e.path())).as("%s reported once", e.path()).isTrue();
            assertThat(e.path()).doesNotStartWith("/").doesNotEndWith("/");
            for (String part : e.path().split("/", -1)) {
                assertThat(part).as("a component of %s", e.path()).isNotEmpty().isNotIn(".", "..");
                assertThat(part).doesNotMatch("(?s).*[\\x00-\\x1f\\x7f\\\\].*");
            }
            assertThat(e.path().split("/").length - 1).as("depth of %s", e.path())
                    .isLessThanOrEqualTo(LIMITS.maxDepth());
            assertThat(e.size()).isNotNegative();
        }

        @Override
        public void directory(FatReader.Entry directory) {
            entry(directory);
        }

        @Override
        public void file(FatReader.Entry file, FatReader.Content content) throws IOException {
            entry(file);
            long before = bytes;
            content.transferTo(this);
            assertThat(bytes - before).as("bytes of %s", file.path()).isEqualTo(file.size());
        }

        @Override
        public void leaveDirectory(FatReader.Entry directory) {
            assertThat(seen).as("left %s, which was entered", directory.path()).contains(directory.path());
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            bytes += n;
            return n;
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
