import dev.airlock.pendrive.fat.Extractor;
import dev.airlock.pendrive.fat.FatReader;
import dev.airlock.pendrive.fat.FatWriter;
import dev.airlock.pendrive.fat.FileBlockDevice;
import dev.airlock.pendrive.fat.Formatter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Times the pendrive FAT code in one JVM (bench/fat.sh runs it): formatting a 1 GiB image, then for each dataset
 * folder given, writing it into a fresh image (cp -a, flushed), reading it back (walk and read every file, image in
 * the page cache, then, as root, after dropping the page cache), and extracting it into a folder (the receiver's
 * path, ending with syncfs). Prints one line per
 * measurement: name, median seconds, min, max.
 *
 * <p>Usage: java -cp target/airlock.jar bench/FatBench.java WORK RUNS DATASET...
 */
public final class FatBench {
    interface Step {
        void run() throws IOException;
    }

    public static void main(String[] args) throws IOException {
        Path work = Path.of(args[0]);
        int runs = Integer.parseInt(args[1]);
        Path image = work.resolve("bench.img");
        measure("format 1 GiB", runs, () -> {
            Files.deleteIfExists(image);
        }, () -> Formatter.createImage(image, Formatter.DEFAULT_SIZE, "bench"));
        for (int i = 2; i < args.length; i++) {
            Path data = Path.of(args[i]);
            String name = data.getFileName().toString();
            Path out = work.resolve("extracted");
            measure("write " + name, runs, () -> {
                Files.deleteIfExists(image);
                Formatter.createImage(image, Formatter.DEFAULT_SIZE, "bench");
            }, () -> {
                try (FileBlockDevice dev = FileBlockDevice.open(image, true); FatWriter w = FatWriter.open(dev)) {
                    w.copyTree(data, w.root());
                }
            });
            long expected = sizeOf(data);
            measure("read " + name, runs, () -> { }, () -> {
                try (FileBlockDevice dev = FileBlockDevice.open(image, false)) {
                    Drain drain = new Drain();
                    FatReader.open(dev, FatReader.Options.defaults()).walk(drain);
                    if (drain.bytes != expected) {
                        throw new IllegalStateException("read " + drain.bytes + " bytes, expected " + expected);
                    }
                }
            });
            if (dropCaches()) {
                measure("read cold " + name, runs, () -> dropCaches(), () -> {
                    try (FileBlockDevice dev = FileBlockDevice.open(image, false)) {
                        FatReader.open(dev, FatReader.Options.defaults()).walk(new Drain());
                    }
                });
            }
            measure("extract " + name, runs, () -> delete(out), () -> {
                try (FileBlockDevice dev = FileBlockDevice.open(image, false)) {
                    Extractor.extract(FatReader.open(dev, FatReader.Options.defaults()), out);
                }
            });
            delete(out);
        }
        Files.deleteIfExists(image);
    }

    private static void measure(String what, int runs, Step before, Step step) throws IOException {
        List<Double> times = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            before.run();
            long t0 = System.nanoTime();
            step.run();
            times.add((System.nanoTime() - t0) / 1e9);
        }
        List<Double> sorted = times.stream().sorted().toList();
        System.out.printf("%-24s median %.4f s  min %.4f  max %.4f%n", what, sorted.get(sorted.size() / 2),
                sorted.getFirst(), sorted.getLast());
    }

    /** Syncs and drops the page cache (root only); false when not permitted. */
    private static boolean dropCaches() throws IOException {
        try {
            new ProcessBuilder("sync").inheritIO().start().waitFor();
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static long sizeOf(Path data) throws IOException {
        try (Stream<Path> all = Files.walk(data)) {
            long total = 0;
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                total += Files.size(p);
            }
            return total;
        }
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Reads every file's content and drops it. */
    private static final class Drain implements FatReader.Visitor, WritableByteChannel {
        long bytes;

        @Override
        public void directory(FatReader.Entry d) {
        }

        @Override
        public void file(FatReader.Entry f, FatReader.Content content) throws IOException {
            content.transferTo(this);
        }

        @Override
        public void leaveDirectory(FatReader.Entry d) {
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
