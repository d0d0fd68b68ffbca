package dev.airlock.backup.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

@Timeout(120)
class ParallelGzipOutputStreamTest {

    private static final int BLOCK = 64 * 1024;

    @TempDir
    Path tmp;

    /** Sizes around the block and window boundaries: empty, one byte, a window, exactly one and several blocks. */
    private static final int[] SIZES = {0, 1, 100, ParallelGzipOutputStream.DICTIONARY - 1,
            ParallelGzipOutputStream.DICTIONARY, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK, 3 * BLOCK + 12345,
            17 * BLOCK};

    @Test
    void everySizeOfRandomAndCompressibleInputRoundTripsThroughJavaGzip() throws IOException {
        Random random = new Random(42);
        for (int size : SIZES) {
            for (byte[] data : new byte[][] {randomBytes(random, size), text(random, size)}) {
                byte[] gz = compress(data, random);
                assertThat(gunzipJava(gz)).as("size %d", size).isEqualTo(data);
            }
        }
    }

    @Test
    void randomSizesInRandomWritesRoundTrip() throws IOException {
        Random random = new Random(7);
        for (int i = 0; i < 40; i++) {
            int size = random.nextInt(6 * BLOCK);
            byte[] data = random.nextBoolean() ? randomBytes(random, size) : text(random, size);
            assertThat(gunzipJava(compress(data, random))).as("size %d", size).isEqualTo(data);
        }
    }

    @Test
    void systemGzipTestsAndDecompressesTheStreamAsOneMember() throws Exception {
        assumeThat(Files.isExecutable(Path.of("/usr/bin/gzip")) || Files.isExecutable(Path.of("/bin/gzip")))
                .as("gzip is installed").isTrue();
        Random random = new Random(3);
        for (int size : SIZES) {
            for (byte[] data : new byte[][] {randomBytes(random, size), text(random, size)}) {
                Path gz = tmp.resolve("in.gz");
                Files.write(gz, compress(data, random));
                assertThat(run("gzip", "-t", gz.toString())).as("gzip -t of size %d", size).isEmpty();
                assertThat(run("gzip", "-d", "-c", gz.toString())).as("gzip -d of size %d", size)
                        .isEqualTo(data);
                // One member: gzip -l reports the whole uncompressed size (modulo 2^32) from the only trailer.
                String list = new String(run("gzip", "-l", gz.toString()), StandardCharsets.US_ASCII);
                assertThat(list.lines().skip(1).findFirst().orElseThrow().trim().split("\\s+")[1])
                        .isEqualTo(Integer.toString(size));
            }
        }
    }

    @Test
    void compressibleInputShrinksAsWithASingleDeflater() throws IOException {
        byte[] data = text(new Random(1), 40 * BLOCK);
        int parallel = compress(data, new Random(2)).length;
        ByteArrayOutputStream single = new ByteArrayOutputStream();
        try (OutputStream out = new java.util.zip.GZIPOutputStream(single)) {
            out.write(data);
        }
        // The dictionary carries the window across blocks, so the loss is the sync markers, not the matches.
        assertThat(parallel).isLessThan(single.size() + single.size() / 50 + 40 * 8);
    }

    @Test
    void aFailingWorkerSurfacesAsIOExceptionAndLeavesNoGzipThreadRunning() throws Exception {
        AtomicInteger blocks = new AtomicInteger();
        ParallelGzipOutputStream.BlockDeflater failing = (dict, data, length, last, level) -> {
            if (blocks.incrementAndGet() == 3) {
                throw new IllegalStateException("worker broke");
            }
            return ParallelGzipOutputStream.deflateBlock(dict, data, length, last, level);
        };
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        byte[] data = randomBytes(new Random(5), 40 * BLOCK);
        OutputStream out = new ParallelGzipOutputStream(sink, Deflater.DEFAULT_COMPRESSION, BLOCK, 2, failing);
        assertThatThrownBy(() -> {
            try (out) {
                out.write(data);
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("worker broke");
        assertThatThrownBy(() -> out.write(1)).isInstanceOf(IOException.class);
        assertThat(gzipThreads()).isZero();
    }

    @Test
    void aFailingSinkSurfacesAndLeavesNoGzipThreadRunning() throws Exception {
        OutputStream broken = new OutputStream() {
            private int writes;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (++writes == 3) {
                    throw new IOException("disk full");
                }
            }
        };
        OutputStream out = new ParallelGzipOutputStream(broken, Deflater.DEFAULT_COMPRESSION, BLOCK, 2,
                ParallelGzipOutputStream::deflateBlock);
        assertThatThrownBy(() -> {
            try (out) {
                out.write(randomBytes(new Random(6), 40 * BLOCK));
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("disk full");
        assertThat(gzipThreads()).isZero();
    }

    @Test
    void anInterruptedWriterStopsTheWorkers() throws Exception {
        OutputStream out = new ParallelGzipOutputStream(OutputStream.nullOutputStream(),
                Deflater.DEFAULT_COMPRESSION, BLOCK, 2, ParallelGzipOutputStream::deflateBlock);
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> {
                try (out) {
                    out.write(randomBytes(new Random(8), 40 * BLOCK));
                }
            }).isInstanceOf(IOException.class);
        } finally {
            Thread.interrupted();
        }
        assertThat(gzipThreads()).isZero();
    }

    private static long gzipThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(ParallelGzipOutputStream.THREAD_NAME) && t.isAlive()).count();
    }

    /** Writes in pieces of random length, so block boundaries fall inside writes. */
    private static byte[] compress(byte[] data, Random random) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (OutputStream out = new ParallelGzipOutputStream(sink, Deflater.DEFAULT_COMPRESSION, BLOCK, 3,
                ParallelGzipOutputStream::deflateBlock)) {
            int off = 0;
            while (off < data.length) {
                int n = Math.min(data.length - off, 1 + random.nextInt(3 * BLOCK / 2));
                if (n == 1) {
                    out.write(data[off]);
                } else {
                    out.write(data, off, n);
                }
                off += n;
            }
        }
        return sink.toByteArray();
    }

    private static byte[] gunzipJava(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    private static byte[] randomBytes(Random random, int size) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        return b;
    }

    static byte[] text(Random random, int size) {
        String[] words = {"airlock", "domain", "backup", "qrexec", "policy", "the", "a", "of", "copy", "\n"};
        StringBuilder sb = new StringBuilder(size + 16);
        while (sb.length() < size) {
            sb.append(words[random.nextInt(words.length)]).append(' ');
        }
        return sb.substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).as(String.join(" ", command)).isZero();
        return out;
    }
}
