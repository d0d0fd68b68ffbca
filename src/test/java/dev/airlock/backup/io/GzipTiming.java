package dev.airlock.backup.io;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * On-demand timing of the single-thread gzip against {@link ParallelGzipOutputStream} over 1 GiB of random bytes and
 * 1 GiB of text (a 64 MiB buffer written 16 times: more than the 32 KiB window apart, so no easier than fresh data).
 * Run: {@code java -cp target/classes:target/test-classes dev.airlock.backup.io.GzipTiming}.
 */
final class GzipTiming {

    private GzipTiming() {
    }

    public static void main(String[] args) throws IOException {
        Random random = new Random(1);
        byte[] noise = new byte[64 << 20];
        random.nextBytes(noise);
        byte[] text = ParallelGzipOutputStreamTest.text(random, 64 << 20);
        for (String kind : new String[] {"random", "text"}) {
            byte[] data = kind.equals("random") ? noise : text;
            time(kind, "single", data, new Counting(), c -> new GZIPOutputStream(c, 1 << 16));
            time(kind, "parallel", data, new Counting(), ParallelGzipOutputStream::new);
        }
    }

    private interface Opener {
        OutputStream open(OutputStream sink) throws IOException;
    }

    private static void time(String kind, String how, byte[] data, Counting sink, Opener opener)
            throws IOException {
        long start = System.nanoTime();
        try (OutputStream out = opener.open(sink)) {
            for (int i = 0; i < 16; i++) {
                out.write(data);
            }
        }
        double s = (System.nanoTime() - start) / 1e9;
        System.out.printf("%-6s %-8s %6.2f s %7.1f MiB/s out %d MiB%n", kind, how, s, 1024 / s, sink.n >> 20);
    }

    private static final class Counting extends OutputStream {
        long n;

        @Override
        public void write(int b) {
            n++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            n += len;
        }
    }
}
