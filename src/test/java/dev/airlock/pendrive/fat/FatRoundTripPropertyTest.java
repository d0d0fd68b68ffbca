package dev.airlock.pendrive.fat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random trees (Unicode names, empty files, nested folders, files over many clusters) read back exactly as written;
 * a few of them also pass {@code fsck.fat -n} and come out of {@code mcopy -s} exactly as written.
 */
class FatRoundTripPropertyTest {
    /** One entry to create: a parent chosen among the folders made so far, a name, a folder or a file of a size. */
    record Op(int parent, String name, boolean directory, int size) {
    }

    @Provide
    Arbitrary<Op> ops() {
        Arbitrary<String> names = Arbitraries.strings().withChars("abcXYZ019 _-.,()éßΩжあ漢한Ḁ").ofMinLength(1)
                .ofMaxLength(40).filter(n -> !n.endsWith(".") && !n.endsWith(" ") && !n.equals("."));
        Arbitrary<Integer> sizes = Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(1, 600),
                Arbitraries.integers().between(4_000, 40_000));
        return Combinators.combine(Arbitraries.integers().between(0, 1000), names, Arbitraries.of(true, false, false),
                sizes).as(Op::new);
    }

    /** Writes the ops into {@code d}; returns the expected tree (path to content, null for folders). */
    static Map<String, byte[]> write(BlockDevice d, List<Op> ops) throws IOException {
        Map<String, byte[]> expected = new LinkedHashMap<>();
        try (FatWriter w = FatWriter.open(d)) {
            List<FatWriter.Directory> dirs = new ArrayList<>(List.of(w.root()));
            List<String> paths = new ArrayList<>(List.of(""));
            Map<String, Set<String>> taken = new HashMap<>();
            int i = 0;
            for (Op op : ops) {
                int p = op.parent() % dirs.size();
                String parent = paths.get(p);
                if (!taken.computeIfAbsent(parent, k -> new HashSet<>()).add(op.name().toUpperCase(Locale.ROOT))) {
                    continue;
                }
                String path = parent.isEmpty() ? op.name() : parent + "/" + op.name();
                if (op.directory()) {
                    dirs.add(dirs.get(p).mkdir(op.name(), 1_500_000_000L + i));
                    paths.add(path);
                    expected.put(path, null);
                } else {
                    byte[] content = new byte[op.size()];
                    new Random(i).nextBytes(content);
                    Images.writeFile(dirs.get(p), op.name(), content);
                    expected.put(path, content);
                }
                i++;
            }
        }
        return expected;
    }

    private static void assertSameTree(Map<String, byte[]> actual, Map<String, byte[]> expected) {
        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((path, content) -> assertThat(actual.get(path)).as(path).isEqualTo(content));
    }

    private static Map<String, byte[]> readHostTree(Path root) throws IOException {
        Map<String, byte[]> tree = new HashMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.filter(p -> !p.equals(root)).toList()) {
                tree.put(root.relativize(p).toString(), Files.isDirectory(p) ? null : Files.readAllBytes(p));
            }
        }
        return tree;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Property(tries = 60)
    void randomTreesReadBackExactly(@ForAll @Size(max = 60) List<@From("ops") Op> ops) throws IOException {
        MemoryDevice d = Images.formatted(Images.SMALL, "prop");
        Map<String, byte[]> expected = write(d, ops);
        assertSameTree(Images.readAll(d), expected);
    }

    @Property(tries = 8)
    void randomTreesPassFsckAndMtoolsReadsThem(@ForAll @Size(min = 5, max = 60) List<@From("ops") Op> ops) throws Exception {
        if (!OracleTest.onPath("fsck.fat")) {
            return; // the example-based oracle tests report the skip; a property cannot skip each try
        }
        Path image = Files.createTempFile("airlock-fat", ".img");
        try {
            Files.delete(image);
            Formatter.createImage(image, Images.SMALL, "prop");
            Map<String, byte[]> expected;
            try (FileBlockDevice dev = FileBlockDevice.open(image, true)) {
                expected = write(dev, ops);
            }
            OracleTest.Result fsck = OracleTest.run(List.of(OracleTest.tool("fsck.fat"), "-n", image.toString()));
            assertThat(fsck.exit()).as(fsck.out()).isZero();
            try (FileBlockDevice dev = FileBlockDevice.open(image, false)) {
                assertSameTree(Images.readAll(dev), expected);
            }
            if (OracleTest.onPath("mcopy") && !expected.isEmpty()) {
                Path out = Files.createDirectory(image.resolveSibling(image.getFileName() + ".out"));
                try {
                    OracleTest.Result copy = OracleTest.run(List.of(OracleTest.tool("mcopy"), "-s", "-n", "-i",
                            image.toString(), "::/*", out + "/"));
                    assertThat(copy.exit()).as(copy.out()).isZero();
                    assertSameTree(readHostTree(out), expected);
                } finally {
                    deleteTree(out);
                }
            }
        } finally {
            Files.deleteIfExists(image);
        }
    }
}
