package dev.airlock.filecopy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** Packer to unpacker through real pipes: what arrives is what was sent, down to nanoseconds and modes. */
class RoundTripTest {

    private static Packer.Result copy(Path dest, boolean allowAllNames, Path... sources) throws TransferException {
        return LocalCopy.run(Stream.of(sources).map(Path::toString).toList(), dest,
                new Unpacker.Options(allowAllNames, 0, 0), Packer.Options.defaults());
    }

    /** Everything that must survive a copy, keyed by relative path. */
    private static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String rel = root.relativize(p).toString();
                if (a.isSymbolicLink()) {
                    out.put(rel, "link -> " + Files.readSymbolicLink(p));
                } else {
                    String kind = a.isDirectory() ? "dir" : "file " + a.size() + " " + sha256(p);
                    out.put(rel, kind + " mode=" + Integer.toOctalString(FixtureInteropTest.mode(p))
                            + " mtime=" + a.lastModifiedTime().toInstant());
                }
            }
        }
        return out;
    }

    private static String sha256(Path p) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(p)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void touch(Path p, long sec, long nsec) throws IOException {
        Files.setLastModifiedTime(p, FileTime.from(Instant.ofEpochSecond(sec, nsec)));
    }

    @Test
    void nestedTreeWithEmptiesModesAndNanosecondsArrivesIntact(@TempDir Path tmp) throws IOException {
        Path src = tmp.resolve("tree");
        Files.createDirectories(src.resolve("a/b/c"));
        Files.createDirectories(src.resolve("empty-dir"));
        Files.write(src.resolve("a/b/c/deep.txt"), "deep".getBytes(StandardCharsets.UTF_8));
        Files.write(src.resolve("a/empty.bin"), new byte[0]);
        byte[] random = new byte[3 * 1024 * 1024 + 17];
        new Random(42).nextBytes(random);
        Files.write(src.resolve("a/b/random.bin"), random);
        Files.write(src.resolve("run.sh"), "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(src.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(src.resolve("a/empty.bin"), PosixFilePermissions.fromString("r--------"));
        Files.createSymbolicLink(src.resolve("a/b/to-deep"), Path.of("c/deep.txt"));
        Files.createSymbolicLink(src.resolve("a/b/c/up"), Path.of("../random.bin"));
        touch(src.resolve("a/b/c/deep.txt"), 1_700_000_000L, 123_456_789L);
        touch(src.resolve("a/b/random.bin"), 1_600_000_000L, 999_999_999L);
        touch(src.resolve("a/b/c"), 1_500_000_000L, 1L);
        Files.setPosixFilePermissions(src.resolve("empty-dir"), PosixFilePermissions.fromString("rwxr-xr-x"));
        touch(src.resolve("empty-dir"), 1_400_000_000L, 500L);

        Packer.Result r = copy(tmp.resolve("dest"), false, src);

        assertThat(describe(tmp.resolve("dest/tree"))).isEqualTo(describe(src));
        assertThat(r.contentBytes()).isEqualTo(random.length + 4 + 10);
        assertThat(r.reply().lastNameText()).isEqualTo("tree");
    }

    @Test
    void unicodeNamesInAllowedScriptsArriveUnchanged(@TempDir Path tmp) throws IOException {
        Path src = tmp.resolve("src");
        List<String> names = List.of("Zażółć gęślą jaźń.txt", "Ελληνικά.md", "Русский.doc", "日本語のファイル.txt",
                "한국어.txt", "⠃⠗⠁⠊⠇⠇⠑", "e\u0301te\u0301.txt");
        Files.createDirectories(src);
        for (String n : names) {
            Files.writeString(src.resolve(n), n);
        }
        copy(tmp.resolve("dest"), false, src);
        for (String n : names) {
            assertThat(Files.readString(tmp.resolve("dest/src").resolve(n))).isEqualTo(n);
        }
    }

    @Test
    void namesOutsideTheSafeSetNeedAllowAllNames(@TempDir Path tmp) throws IOException {
        Path src = tmp.resolve("report\u202Efdp.exe");
        Files.writeString(src, "x");
        assertThat(Packer.survey(List.of(src.toString()), false).needsAllowAllNames()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> copy(tmp.resolve("refused"), false, src))
                .isInstanceOf(TransferException.class).hasMessageContaining("forbidden character");
        assertThat(tmp.resolve("refused")).isEmptyDirectory();
        copy(tmp.resolve("allowed"), true, src);
        assertThat(tmp.resolve("allowed").resolve(src.getFileName())).hasContent("x");
    }

    @Test
    void multipleArgumentsArriveSideBySide(@TempDir Path tmp) throws IOException {
        Files.createDirectories(tmp.resolve("x/y"));
        Files.writeString(tmp.resolve("x/y/one"), "1");
        Files.writeString(tmp.resolve("two"), "2");
        LocalCopy.run(List.of(tmp.resolve("x/y/one").toString(), tmp.resolve("two") + "/"), tmp.resolve("d"),
                Unpacker.Options.defaults(), Packer.Options.defaults());
        assertThat(tmp.resolve("d/one")).hasContent("1");
        assertThat(tmp.resolve("d/two")).hasContent("2");
    }

    @Test
    void sparseFileOfFiveGibCrossesThirtyTwoBitSizes(@TempDir Path tmp) throws IOException {
        FileStore store = Files.getFileStore(tmp);
        assumeThat(store.getUsableSpace()).as("room for the holes' worst case").isGreaterThan(12L << 30);
        Path big = tmp.resolve("big.img");
        long size = 5L << 30;
        long[] marks = {0, (4L << 30) + 12345, size - 1};
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(size);
            for (long m : marks) {
                f.seek(m);
                f.write(0x5a);
            }
        }
        assumeThat(blocks(big)).as("the file system keeps holes").isLessThan(1L << 20);

        Packer.Result r = copy(tmp.resolve("dest"), false, big);

        Path out = tmp.resolve("dest/big.img");
        assertThat(Files.size(out)).isEqualTo(size);
        assertThat(r.contentBytes()).isEqualTo(size);
        try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "r")) {
            for (long m : marks) {
                f.seek(m);
                assertThat(f.read()).as("byte at " + m).isEqualTo(0x5a);
            }
            f.seek(3L << 30);
            assertThat(f.read()).isZero();
        }
        assertThat(blocks(out)).as("zeros arrive as holes").isLessThan(1L << 20);
    }

    /** 512-byte blocks allocated to {@code p} (Java's attribute views do not report them). */
    private static long blocks(Path p) throws IOException {
        Process proc = new ProcessBuilder("stat", "-c", "%b", p.toString()).start();
        try {
            String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            assertThat(proc.waitFor()).isZero();
            return Long.parseLong(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
