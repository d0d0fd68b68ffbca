package dev.airlock.pendrive.fat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * dosfstools and mtools as independent judges: what we write passes {@code fsck.fat -n} and reads back through
 * mtools byte for byte; what {@code mkfs.fat} and {@code mcopy} write, we read. Skips when the tools are missing.
 */
class OracleTest {
    @TempDir
    Path tmp;

    record Result(int exit, String out) {
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("MTOOLS_SKIP_CHECK", "1");
        pb.environment().put("LC_ALL", "C.UTF-8");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        return new Result(p.waitFor(), new String(out, StandardCharsets.UTF_8));
    }

    static byte[] runBytes(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("MTOOLS_SKIP_CHECK", "1");
        pb.environment().put("LC_ALL", "C.UTF-8");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).as(String.join(" ", command)).isZero();
        return out;
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    static String tool(String name) {
        for (String dir : new String[] {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return dir + "/" + name;
            }
        }
        return name;
    }

    @BeforeAll
    static void toolsPresent() {
        assumeTrue(onPath("fsck.fat") && onPath("mkfs.fat"), "dosfstools is not installed (apt-get install dosfstools)");
        assumeTrue(onPath("mdir") && onPath("mcopy"), "mtools is not installed (apt-get install mtools)");
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private void assertFsckClean(Path image) throws Exception {
        Result fsck = run(List.of(tool("fsck.fat"), "-n", image.toString()));
        assertThat(fsck.exit()).as(fsck.out()).isZero();
        assertThat(fsck.out()).doesNotContainIgnoringCase("differ").doesNotContainIgnoringCase("mark")
                .doesNotContainIgnoringCase("bad").doesNotContainIgnoringCase("lost")
                .doesNotContainIgnoringCase("free cluster summary");
    }

    @Test
    void freshDefaultImagePassesFsckAndMdir() throws Exception {
        Path image = tmp.resolve("fresh.img");
        Formatter.createImage(image, Formatter.DEFAULT_SIZE, "work");
        assertFsckClean(image);
        Result dir = run(List.of(tool("mdir"), "-i", image.toString(), "::/"));
        assertThat(dir.exit()).as(dir.out()).isZero();
        assertThat(dir.out()).contains("Volume in drive : is WORK");
    }

    @Test
    void writtenTreePassesFsckAndMtoolsReadsItBack() throws Exception {
        Path image = tmp.resolve("tree.img");
        Formatter.createImage(image, Formatter.DEFAULT_SIZE, "work");
        byte[] big = random(3_000_000, 7);
        List<String> names = new ArrayList<>();
        try (FileBlockDevice dev = FileBlockDevice.open(image, true); FatWriter w = FatWriter.open(dev)) {
            FatWriter.Directory root = w.root();
            Images.writeFile(root, "README.TXT", "plain".getBytes(StandardCharsets.UTF_8));
            Images.writeFile(root, "big file.bin", big);
            Images.writeFile(root, "empty", new byte[0]);
            FatWriter.Directory sub = root.mkdir("Ünïcödé Ωμέγα 日本語", 1_600_000_000L);
            Images.writeFile(sub, "Grüße.txt", "ä".getBytes(StandardCharsets.UTF_8));
            FatWriter.Directory many = root.mkdir("many", 1_600_000_000L);
            for (int i = 0; i < 300; i++) {
                String n = "file with a long name " + i + ".txt";
                names.add(n);
                Images.writeFile(many, n, ("#" + i).getBytes(StandardCharsets.UTF_8));
            }
        }
        assertFsckClean(image);
        Result dir = run(List.of(tool("mdir"), "-i", image.toString(), "::/"));
        assertThat(dir.exit()).as(dir.out()).isZero();
        assertThat(dir.out()).contains("README   TXT", "big file.bin", "Ünïcödé Ωμέγα 日本語", "empty");
        String img = image.toString();
        assertThat(runBytes(List.of(tool("mcopy"), "-n", "-i", img, "::/big file.bin", "-"))).isEqualTo(big);
        assertThat(runBytes(List.of(tool("mcopy"), "-n", "-i", img, "::/Ünïcödé Ωμέγα 日本語/Grüße.txt", "-")))
                .isEqualTo("ä".getBytes(StandardCharsets.UTF_8));
        assertThat(runBytes(List.of(tool("mcopy"), "-n", "-i", img, "::/empty", "-"))).isEmpty();
        assertThat(new String(runBytes(List.of(tool("mcopy"), "-n", "-i", img, "::/many/" + names.get(299), "-")),
                StandardCharsets.UTF_8)).isEqualTo("#299");
        Result listing = run(List.of(tool("mdir"), "-b", "-i", img, "::/many"));
        assertThat(listing.out().lines().filter(l -> l.contains("file with a long name")).count()).isEqualTo(300);
    }

    @Test
    void fullImagePassesFsck() throws Exception {
        Path image = tmp.resolve("full.img");
        Formatter.createImage(image, 40L << 20, "work");
        byte[] chunk = random(6 << 20, 9);
        try (FileBlockDevice dev = FileBlockDevice.open(image, true); FatWriter w = FatWriter.open(dev)) {
            for (int i = 0; ; i++) {
                try {
                    Images.writeFile(w.root(), "chunk " + i, chunk);
                } catch (FatException.ImageFull e) {
                    break;
                }
            }
        }
        assertFsckClean(image);
    }

    @Test
    void sourceThatEndsEarlyLeavesAnImageThatPassesFsck() throws Exception {
        Path image = tmp.resolve("shrunk.img");
        Formatter.createImage(image, 40L << 20, "work");
        try (FileBlockDevice dev = FileBlockDevice.open(image, true); FatWriter w = FatWriter.open(dev)) {
            Images.writeFile(w.root(), "before", new byte[3000]);
            try {
                w.root().writeFile("shrinking", FatRoundTripTest.endingAfter(5000), 90_000, 0);
            } catch (IOException expected) {
                Images.writeFile(w.root(), "after", new byte[3000]);
            }
        }
        assertFsckClean(image);
        Result dir = run(List.of(tool("mdir"), "-b", "-i", image.toString(), "::/"));
        assertThat(dir.out()).contains("before", "after").doesNotContain("shrinking");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mkfs.fat -F 32 -S 4096", "mkfs.fat -F 32 -s 4", "mkfs.fat -F 32 -f 1",
            "mkfs.fat -F 32 -s 1 -R 64", "mformat -F"})
    void otherGeometriesFromOtherFormattersReadBack(String formatter) throws Exception {
        Path image = tmp.resolve("other.img");
        List<String> command = new ArrayList<>(List.of(formatter.split(" ")));
        command.set(0, tool(command.getFirst()));
        if (formatter.startsWith("mformat")) {
            try (FileBlockDevice ignored = FileBlockDevice.create(image, 300L << 20)) {
                command.addAll(List.of("-i", image.toString(), "::"));
            }
        } else {
            command.addAll(List.of("-C", image.toString(), String.valueOf(300 * 1024)));
        }
        Result format = run(command);
        assertThat(format.exit()).as(format.out()).isZero();
        byte[] data = random(100_000, 13);
        Path file = tmp.resolve("Some Data.bin");
        Files.write(file, data);
        Result copy = run(List.of(tool("mcopy"), "-i", image.toString(), file.toString(), "::/"));
        assertThat(copy.exit()).as(copy.out()).isZero();
        try (FileBlockDevice dev = FileBlockDevice.open(image, false)) {
            assertThat(Images.readAll(dev)).containsOnlyKeys("Some Data.bin").containsEntry("Some Data.bin", data);
        }
    }

    @Test
    void imageMadeByMkfsAndMcopyReadsBack(@TempDir Path src) throws Exception {
        Path image = tmp.resolve("mtools.img");
        Result mkfs = run(List.of(tool("mkfs.fat"), "-F", "32", "-C", "-n", "OTHER", image.toString(), "65536"));
        assertThat(mkfs.exit()).as(mkfs.out()).isZero();
        byte[] data = random(200_000, 11);
        Path tree = Files.createDirectory(src.resolve("tree"));
        Files.write(tree.resolve("data.bin"), data);
        Files.writeString(tree.resolve("readme.txt"), "lower case short name");
        Files.writeString(tree.resolve("Ärger mit Umlauten.txt"), "lfn");
        Files.createDirectories(tree.resolve("a/b/c"));
        Files.writeString(tree.resolve("a/b/c/deep.txt"), "deep");
        Result copy = run(List.of(tool("mcopy"), "-s", "-i", image.toString(), tree.toString(), "::/"));
        assertThat(copy.exit()).as(copy.out()).isZero();
        try (FileBlockDevice dev = FileBlockDevice.open(image, false)) {
            assertThat(FatReader.open(dev, FatReader.Options.defaults()).label()).isEqualTo("OTHER");
            Map<String, byte[]> all = Images.readAll(dev);
            assertThat(all).containsOnlyKeys("tree", "tree/data.bin", "tree/readme.txt",
                    "tree/Ärger mit Umlauten.txt", "tree/a", "tree/a/b", "tree/a/b/c", "tree/a/b/c/deep.txt");
            assertThat(all.get("tree/data.bin")).isEqualTo(data);
            assertThat(new String(all.get("tree/readme.txt"), StandardCharsets.UTF_8))
                    .isEqualTo("lower case short name");
            assertThat(new String(all.get("tree/a/b/c/deep.txt"), StandardCharsets.UTF_8)).isEqualTo("deep");
        }
    }
}
