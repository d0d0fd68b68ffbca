package dev.airlock.pendrive.fat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FatRoundTripTest {
    @TempDir
    Path tmp;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void writtenTreeReadsBackExactly() throws IOException {
        MemoryDevice d = Images.formatted(Images.SMALL, "work");
        byte[] big = random(300_000, 1);
        try (FatWriter w = FatWriter.open(d)) {
            FatWriter.Directory root = w.root();
            Images.writeFile(root, "README.TXT", "hello".getBytes(StandardCharsets.UTF_8));
            Images.writeFile(root, "empty", new byte[0]);
            FatWriter.Directory docs = root.mkdir("Documents and more", 1_600_000_000L);
            Images.writeFile(docs, "big.bin", big);
            FatWriter.Directory deep = docs.mkdir("Ünïcödé 日本語 Ωμέγα", 1_600_000_000L).mkdir("x", 0);
            Images.writeFile(deep, "Grüße.txt", "ä".getBytes(StandardCharsets.UTF_8));
        }
        FatReader r = FatReader.open(d, FatReader.Options.defaults());
        assertThat(r.label()).isEqualTo("WORK");
        Map<String, byte[]> all = Images.readAll(d);
        assertThat(all.keySet()).containsExactly("README.TXT", "empty", "Documents and more",
                "Documents and more/big.bin", "Documents and more/Ünïcödé 日本語 Ωμέγα",
                "Documents and more/Ünïcödé 日本語 Ωμέγα/x", "Documents and more/Ünïcödé 日本語 Ωμέγα/x/Grüße.txt");
        assertThat(all.get("Documents and more/big.bin")).isEqualTo(big);
        assertThat(all.get("empty")).isEmpty();
        assertThat(new String(all.get("README.TXT"), StandardCharsets.UTF_8)).isEqualTo("hello");
    }

    @Test
    void timestampsKeepFatResolutionInUtc() throws IOException {
        MemoryDevice d = Images.formatted(Images.SMALL, "work");
        try (FatWriter w = FatWriter.open(d)) {
            w.root().mkdir("d", 1_700_000_001L);
        }
        long[] seen = new long[1];
        FatReader.open(d, FatReader.Options.defaults()).walk(new FatReader.Visitor() {
            @Override
            public void directory(FatReader.Entry e) {
                seen[0] = e.modified();
            }

            @Override
            public void file(FatReader.Entry f, FatReader.Content c) {
                // none
            }

            @Override
            public void leaveDirectory(FatReader.Entry e) {
                // nothing
            }
        });
        assertThat(seen[0]).isEqualTo(1_700_000_000L);
    }

    @Test
    void manyFilesGrowTheDirectoryAcrossClusters() throws IOException {
        MemoryDevice d = Images.formatted(Images.SMALL, "work");
        try (FatWriter w = FatWriter.open(d)) {
            FatWriter.Directory dir = w.root().mkdir("many", 0);
            for (int i = 0; i < 700; i++) {
                Images.writeFile(dir, "a rather long file name number " + i + ".data", new byte[] {(byte) i});
            }
        }
        Map<String, byte[]> all = Images.readAll(d);
        assertThat(all).hasSize(701);
        assertThat(all.get("many/a rather long file name number 699.data")).containsExactly((byte) 699);
    }

    @Test
    void namesDifferingOnlyInCaseCollide() throws IOException {
        MemoryDevice d = Images.formatted(Images.SMALL, "work");
        try (FatWriter w = FatWriter.open(d)) {
            Images.writeFile(w.root(), "Report.pdf", new byte[1]);
            assertThatThrownBy(() -> Images.writeFile(w.root(), "REPORT.PDF", new byte[1]))
                    .isInstanceOf(FatException.BadName.class).hasMessageContaining("already exists");
        }
    }

    @Test
    void namesFatCannotHoldAreRefusedBeforeWriting() throws IOException {
        MemoryDevice d = Images.formatted(Images.SMALL, "work");
        try (FatWriter w = FatWriter.open(d)) {
            for (String bad : new String[] {"a:b", "q?", "trailing.", "x".repeat(256), "..", "a\\b"}) {
                assertThatThrownBy(() -> Images.writeFile(w.root(), bad, new byte[1]))
                        .as(bad).isInstanceOf(FatException.BadName.class);
            }
        }
        assertThat(Images.readAll(d)).isEmpty();
    }

    @Test
    void fileOfFourGibibytesIsRefusedBeforeReadingIt() throws IOException {
        MemoryDevice d = Images.formatted(Images.SMALL, "work");
        ReadableByteChannel neverRead = new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer dst) {
                throw new AssertionError("content read for a file that cannot be stored");
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
                // nothing
            }
        };
        try (FatWriter w = FatWriter.open(d)) {
            assertThatThrownBy(() -> w.root().writeFile("huge", neverRead, 1L << 32, 0))
                    .isInstanceOf(FatException.Unsupported.class).hasMessageContaining("4 GiB");
        }
    }

    @Test
    void fullImageIsAClearErrorAndLeavesAConsistentImage() throws IOException {
        MemoryDevice d = Images.formatted(Images.SMALL, "work");
        byte[] chunk = random(8 << 20, 2);
        int written = 0;
        try (FatWriter w = FatWriter.open(d)) {
            FatWriter.Directory root = w.root();
            while (true) {
                try {
                    Images.writeFile(root, "part" + written, chunk);
                    written++;
                } catch (FatException.ImageFull e) {
                    assertThat(e).hasMessageContaining("full").hasMessageContaining("free");
                    break;
                }
            }
            assertThat(w.freeBytes()).isLessThan(chunk.length);
            Images.writeFile(root, "small", new byte[] {1, 2, 3});
        }
        assertThat(written).isEqualTo(4);
        Map<String, byte[]> all = Images.readAll(d);
        assertThat(all).hasSize(5).containsKey("small");
        assertThat(all.get("part3")).isEqualTo(chunk);
    }

    /** A source that delivers fewer bytes than its size said (a file truncated while it is copied). */
    static ReadableByteChannel endingAfter(int bytes) {
        return new ReadableByteChannel() {
            private int left = bytes;

            @Override
            public int read(ByteBuffer dst) {
                if (left == 0) {
                    return -1;
                }
                int n = Math.min(left, dst.remaining());
                dst.position(dst.position() + n);
                left -= n;
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
                // nothing
            }
        };
    }

    @Test
    void sourceThatEndsEarlyIsAnErrorAndLosesNoCluster() throws IOException {
        MemoryDevice d = Images.formatted(Images.SMALL, "work");
        try (FatWriter w = FatWriter.open(d)) {
            long free = w.freeBytes();
            assertThatThrownBy(() -> w.root().writeFile("shrinking", endingAfter(10_000), 50_000, 0))
                    .isInstanceOf(IOException.class).hasMessageContaining("ended after 10000 of 50000 bytes");
            assertThat(w.freeBytes()).isEqualTo(free);
            Images.writeFile(w.root(), "after", new byte[] {7});
        }
        assertThat(Images.readAll(d)).containsOnlyKeys("after");
    }

    @Test
    void writerRefusesAnImageThatIsNotFresh() throws IOException {
        MemoryDevice d = Images.formatted(Images.SMALL, "work");
        try (FatWriter w = FatWriter.open(d)) {
            Images.writeFile(w.root(), "a", new byte[1]);
        }
        assertThatThrownBy(() -> FatWriter.open(d)).isInstanceOf(FatException.Unsupported.class)
                .hasMessageContaining("freshly formatted");
    }

    @Test
    void copyTreeCopiesLikeCpDashA(@TempDir Path src) throws IOException {
        Path top = Files.createDirectory(src.resolve("project"));
        Files.writeString(top.resolve("notes.md"), "# notes");
        Path sub = Files.createDirectory(top.resolve("data set"));
        byte[] data = random(70_000, 3);
        Files.write(sub.resolve("values.bin"), data);
        Files.setLastModifiedTime(sub.resolve("values.bin"), FileTime.fromMillis(1_650_000_000_000L));
        MemoryDevice d = Images.formatted(Images.SMALL, "work");
        try (FatWriter w = FatWriter.open(d)) {
            w.copyTree(top, w.root());
        }
        Map<String, byte[]> all = Images.readAll(d);
        assertThat(all.keySet()).containsExactlyInAnyOrder("project", "project/data set",
                "project/data set/values.bin", "project/notes.md");
        assertThat(all.get("project/data set/values.bin")).isEqualTo(data);
    }

    @Test
    void copyTreeRefusesSymlinksRatherThanFollowThem(@TempDir Path src) throws IOException {
        Path top = Files.createDirectory(src.resolve("t"));
        Files.createSymbolicLink(top.resolve("passwd"), Path.of("/etc/passwd"));
        MemoryDevice d = Images.formatted(Images.SMALL, "work");
        try (FatWriter w = FatWriter.open(d)) {
            assertThatThrownBy(() -> w.copyTree(top, w.root())).isInstanceOf(FatException.Unsupported.class)
                    .hasMessageContaining("symbolic links");
        }
    }

    @Test
    void newImageIsSparse() throws IOException {
        Path image = tmp.resolve("p.img");
        Formatter.createImage(image, Formatter.DEFAULT_SIZE, "personal");
        assertThat(Files.size(image)).isEqualTo(1L << 30);
        assertThat(allocatedBytes(image)).isLessThan(1 << 20);
        try (FileBlockDevice dev = FileBlockDevice.open(image, false)) {
            assertThat(FatReader.open(dev, FatReader.Options.defaults()).label()).isEqualTo("PERSONAL");
            assertThat(Images.readAll(dev)).isEmpty();
        }
    }

    static long allocatedBytes(Path file) throws IOException {
        Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
        String[] out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim().split(" ");
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }

    @Test
    void symbolsInNamesNeedAllowAllNames() throws IOException {
        MemoryDevice d = Images.formatted(Images.SMALL, "work");
        try (FatWriter w = FatWriter.open(d)) {
            Images.writeFile(w.root(), "done \u2713", new byte[1]);
        }
        assertThatThrownBy(() -> Images.readAll(d)).isInstanceOf(FatException.BadName.class)
                .hasMessageContaining("name rules");
        FatReader.Options all = new FatReader.Options(true, 0, 10, 100, 4);
        assertThat(Images.readAll(d, all)).containsOnlyKeys("done \u2713");
    }

    @Test
    void labelIsUpperCasedAndCutToElevenCharacters() throws IOException {
        MemoryDevice d = Images.formatted(Images.SMALL, "a-very_long-domain-name");
        assertThat(FatReader.open(d, FatReader.Options.defaults()).label()).isEqualTo("A-VERY_LONG");
        assertThatThrownBy(() -> Images.formatted(Images.SMALL, "bad name"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tooSmallImageIsRefused() {
        assertThatThrownBy(() -> Images.formatted(20L << 20, "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("34 MiB");
    }

    @Test
    void extractionCreatesTheTreeInTheFolder(@TempDir Path dest) throws IOException {
        MemoryDevice d = Images.formatted(Images.SMALL, "work");
        byte[] data = random(5000, 4);
        try (FatWriter w = FatWriter.open(d)) {
            FatWriter.Directory a = w.root().mkdir("a", 1_600_000_000L);
            Images.writeFile(a, "ünï.bin", data);
            Images.writeFile(w.root(), "top", new byte[0]);
        }
        Extractor.Summary s = Extractor.extract(FatReader.open(d, FatReader.Options.defaults()), dest);
        assertThat(s).isEqualTo(new Extractor.Summary(3, 5000));
        assertThat(Files.readAllBytes(dest.resolve("a/ünï.bin"))).isEqualTo(data);
        assertThat(Files.size(dest.resolve("top"))).isZero();
        assertThat(Files.getLastModifiedTime(dest.resolve("a")).toMillis()).isEqualTo(1_600_000_000_000L);
        assertThat(Arrays.asList(dest.toFile().list())).containsExactlyInAnyOrder("a", "top");
    }
}
