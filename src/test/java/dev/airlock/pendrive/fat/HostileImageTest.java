package dev.airlock.pendrive.fat;

import dev.airlock.testing.Threat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Images crafted by a hostile domain. Each starts from a valid image (512-byte clusters; the root at cluster 2 holds
 * the label, {@code DIR} at cluster 3 and {@code TOP.TXT} at cluster 7; {@code DIR} holds {@code .}, {@code ..} and
 * {@code FILE.BIN}, 1,500 bytes in clusters 4 to 6), changes a few bytes, and expects a typed refusal within a
 * time bound, never a hang, another exception, or a read of something it should not. One instance for all cases, so
 * that the cases' changes can be written against the image the next {@code @BeforeEach} makes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileImageTest {
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final Geometry G = Formatter.geometry(Images.SMALL);
    private static final int ROOT = 2;
    private static final int DIR = 3;
    private static final int FILE_FIRST = 4;
    private static final int TOP = 7;
    private static final int SLOT_DIR = 1;
    private static final int SLOT_TOP = 2;
    private static final int SLOT_FILE = 2;

    private MemoryDevice d;

    @BeforeEach
    void validImage() throws IOException {
        d = Images.formatted(Images.SMALL, "evil");
        try (FatWriter w = FatWriter.open(d)) {
            FatWriter.Directory dir = w.root().mkdir("DIR", 0);
            Images.writeFile(dir, "FILE.BIN", new byte[1500]);
            Images.writeFile(w.root(), "TOP.TXT", new byte[10]);
        }
        assertThat(Images.readAll(d)).containsOnlyKeys("DIR", "DIR/FILE.BIN", "TOP.TXT");
        assertThat(fat(FILE_FIRST)).isEqualTo(FILE_FIRST + 1);
        assertThat(d.bytes(entry(ROOT, SLOT_TOP), 11)).asString().isEqualTo("TOP     TXT");
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private static long entry(long cluster, int slot) {
        return G.clusterOffset(cluster) + slot * 32L;
    }

    private void putInt(long offset, long value) throws IOException {
        d.write(offset, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) value));
    }

    private void putShort(long offset, int value) throws IOException {
        d.write(offset, ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) value));
    }

    private void setFat(long cluster, long value) throws IOException {
        for (int copy = 0; copy < G.fatCount(); copy++) {
            putInt(G.fatOffset(copy) + cluster * 4, value);
        }
    }

    private long fat(long cluster) throws IOException {
        return ByteBuffer.wrap(d.bytes(G.fatOffset(0) + cluster * 4, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt()
                & 0x0FFF_FFFFL;
    }

    private void setCluster(long entryOffset, long cluster) throws IOException {
        putShort(entryOffset + 20, (int) (cluster >>> 16));
        putShort(entryOffset + 26, (int) cluster);
    }

    /**
     * Moves the short entry at {@code slot} of {@code dir} to {@code freeSlot} + the long name's slots, preceded by
     * the long name's slots (checksum {@code sum}, or the right one when negative), and deletes the original.
     */
    private void giveLongName(long dir, int slot, int freeSlot, String name, int sum) throws IOException {
        byte[] shortEntry = d.bytes(entry(dir, slot), 32);
        int slots = FatNames.slots(name);
        ByteBuffer b = ByteBuffer.allocate((slots + 1) * 32).order(ByteOrder.LITTLE_ENDIAN);
        FatNames.putLongName(b, name, sum >= 0 ? sum : FatNames.checksum(shortEntry, 0));
        b.put(shortEntry);
        d.write(entry(dir, freeSlot), b.flip());
        d.poke(entry(dir, slot), (byte) 0xE5);
    }

    private <T extends FatException> String refused(Class<T> type) {
        return refused(type, FatReader.Options.defaults());
    }

    private <T extends FatException> String refused(Class<T> type, FatReader.Options options) {
        Throwable[] thrown = new Throwable[1];
        assertTimeoutPreemptively(BOUND, () -> {
            try {
                Images.drain(d, options);
            } catch (Throwable t) {
                thrown[0] = t;
            }
        });
        assertThat(thrown[0]).isInstanceOf(type);
        return thrown[0].getMessage();
    }

    // --- refusals: one hostile change each, and the typed refusal with what its message must say ----------------

    /** A change a hostile domain makes to the valid image. */
    @FunctionalInterface
    private interface Damage {
        void apply() throws IOException;
    }

    private static Arguments refusal(String threat, Damage damage, Class<? extends FatException> type,
            String... says) {
        return Arguments.of(threat, damage, type, says);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"bootSectors", "clusterChains", "directories", "names"})
    void hostileImageIsRefusedWithItsReason(String threat, Damage damage, Class<? extends FatException> type,
            String[] says) throws Exception {
        Threat.named(threat, () -> {
            damage.apply();
            assertThat(refused(type)).contains(says);
        });
    }

    private Stream<Arguments> bootSectors() {
        return Stream.of(
                refusal("bootSectorWithoutSignatureIsRefused", () -> d.poke(510, (byte) 0, (byte) 0),
                        FatException.BadBootSector.class, "signature"),
                refusal("bootSectorWithZeroSectorsPerClusterIsRefused", () -> d.poke(13, (byte) 0),
                        FatException.BadBootSector.class, "sectors per cluster is 0"),
                refusal("bytesPerSectorNotAPowerOfTwoIsRefused", () -> putShort(11, 768),
                        FatException.BadBootSector.class, "bytes per sector is 768"),
                refusal("volumeLargerThanTheDeviceIsRefused", () -> putInt(32, G.totalSectors() * 2),
                        FatException.BadBootSector.class, "but the device has"),
                refusal("fatTooSmallForItsClustersIsRefused", () -> putInt(36, 10),
                        FatException.BadBootSector.class, "cannot describe"),
                refusal("zeroFatsAreRefused", () -> d.poke(16, (byte) 0),
                        FatException.BadBootSector.class, "0 FATs"),
                refusal("reservedAreaFillingTheVolumeIsRefused", () -> {
                    putShort(14, 0xFFFF);
                    putInt(32, 0x1_0000);
                }, FatException.BadBootSector.class, "fill the whole volume"),
                refusal("rootClusterOutOfRangeIsRefused", () -> putInt(44, 0x0FFF_FFF0L),
                        FatException.BadBootSector.class, "root directory cluster"),
                refusal("fat16BootSectorIsRefused", () -> putShort(17, 512),
                        FatException.BadBootSector.class, "not FAT32"),
                refusal("tooFewClustersForFat32IsRefused",
                        () -> putInt(32, G.reservedSectors() + 2 * G.sectorsPerFat() + 1000),
                        FatException.BadBootSector.class, "outside FAT32's range"));
    }

    private Stream<Arguments> clusterChains() {
        return Stream.of(
                refusal("clusterChainCycleIsRefusedNotLooped", () -> setFat(FILE_FIRST + 1, FILE_FIRST),
                        FatException.Corrupt.class, "used twice"),
                refusal("selfLoopBehindAHugeSizeIsRefusedAtOnce", () -> {
                    putInt(entry(DIR, SLOT_FILE) + 28, 30L << 20);
                    setFat(FILE_FIRST, FILE_FIRST);
                }, FatException.Corrupt.class, "used twice"),
                refusal("chainLongerThanTheSizeIsRefused", () -> putInt(entry(DIR, SLOT_FILE) + 28, 600),
                        FatException.Corrupt.class, "longer than its 600 bytes need"),
                refusal("chainEndingBeforeTheSizeIsRefused", () -> setFat(FILE_FIRST + 1, FatTable.END_MARK),
                        FatException.Corrupt.class, "ends after 2 of 3 clusters"),
                refusal("chainIntoAFreeClusterIsRefused", () -> setFat(FILE_FIRST + 1, 0),
                        FatException.Corrupt.class, "free cluster"),
                refusal("chainBeyondTheLastClusterIsRefused", () -> setFat(FILE_FIRST + 1, G.lastCluster() + 1),
                        FatException.Corrupt.class, "outside 2.."),
                refusal("fileSizeBeyondImageIsRefused", () -> putInt(entry(DIR, SLOT_FILE) + 28, 0xFFFF_FFFFL),
                        FatException.Corrupt.class, "more than the image's"),
                refusal("fileStartingAtClusterZeroWithASizeIsRefused", () -> setCluster(entry(ROOT, SLOT_TOP), 0),
                        FatException.Corrupt.class, "TOP.TXT", "free cluster"),
                refusal("crossLinkedFilesAreRefused", () -> {
                    setCluster(entry(ROOT, SLOT_TOP), FILE_FIRST);
                    putInt(entry(ROOT, SLOT_TOP) + 28, 1500);
                }, FatException.Corrupt.class, "used twice"));
    }

    private Stream<Arguments> directories() {
        return Stream.of(
                refusal("directoryLoopIsRefused", () -> {
                    d.poke(entry(DIR, SLOT_FILE) + 11, (byte) DirEntry.ATTR_DIRECTORY);
                    setCluster(entry(DIR, SLOT_FILE), DIR);
                }, FatException.Corrupt.class, "directory loop"),
                refusal("subdirectoryPointingAtTheRootIsRefused", () -> setCluster(entry(ROOT, SLOT_DIR), ROOT),
                        FatException.Corrupt.class, "directory loop"),
                refusal("directoryChainCycleIsRefused", () -> {
                    fillWithDeletedEntries(DIR, 3);
                    setFat(DIR, DIR);
                }, FatException.Corrupt.class, "directory loop"),
                refusal("directoryChainIntoAFreeClusterIsRefused", () -> {
                    fillWithDeletedEntries(DIR, 3);
                    setFat(DIR, 0);
                }, FatException.Corrupt.class, "free cluster"),
                refusal("directoryStartingOutsideTheImageIsRefused",
                        () -> setCluster(entry(ROOT, SLOT_DIR), 0x0FFF_FFF0L),
                        FatException.Corrupt.class, "folder 'DIR'"));
    }

    private Stream<Arguments> names() {
        return Stream.of(
                refusal("nameWithSlashFromLfnIsRefused", () -> giveLongName(ROOT, SLOT_TOP, 3, "../../etc/passwd", -1),
                        FatException.BadName.class, "U+002F"),
                refusal("dotDotEntryCannotEscape", () -> giveLongName(ROOT, SLOT_DIR, 3, "..", -1),
                        FatException.BadName.class, "'..'"),
                refusal("rightToLeftOverrideInLongNameIsRefused",
                        () -> giveLongName(ROOT, SLOT_TOP, 3, "invoice\u202Efdp.exe", -1),
                        FatException.BadName.class, "name rules"),
                refusal("longNameWithWrongChecksumIsRefused",
                        () -> giveLongName(ROOT, SLOT_TOP, 3, "innocent.txt", 0x42),
                        FatException.Corrupt.class, "checksum"),
                refusal("longNamePartsOutOfOrderAreRefused", () -> {
                    String name = "a long name of more than twenty-six characters.txt";
                    giveLongName(ROOT, SLOT_TOP, 3, name, -1);
                    byte[] first = d.bytes(entry(ROOT, 3), 32);
                    byte[] second = d.bytes(entry(ROOT, 4), 32);
                    d.write(entry(ROOT, 3), ByteBuffer.wrap(second));
                    d.write(entry(ROOT, 4), ByteBuffer.wrap(first));
                }, FatException.Corrupt.class, "long-name"),
                refusal("longNameWithoutItsShortEntryIsRefused", () -> {
                    giveLongName(ROOT, SLOT_TOP, 3, "orphan.txt", -1);
                    d.poke(entry(ROOT, 4), (byte) 0xE5);
                }, FatException.Corrupt.class, "not followed by its short entry"),
                refusal("longNameWithAnUnpairedSurrogateIsRefused",
                        () -> giveLongName(ROOT, SLOT_TOP, 3, "bad\uD800name", -1),
                        FatException.BadName.class, "UTF-16"),
                refusal("controlCharacterInShortNameIsRefused", () -> d.poke(entry(ROOT, SLOT_TOP) + 1, (byte) 0x07),
                        FatException.BadName.class, "0x07"),
                refusal("nonAsciiShortNameIsRefused", () -> d.poke(entry(ROOT, SLOT_TOP), (byte) 0x05),
                        FatException.BadName.class, "code page"),
                refusal("slashInShortNameIsRefused", () -> d.poke(entry(ROOT, SLOT_TOP) + 1, (byte) '/'),
                        FatException.BadName.class, "0x2F"));
    }

    // --- boot sector ---------------------------------------------------------------------------------------------

    @Test
    void truncatedImageIsRefused() throws IOException {
        MemoryDevice small = new MemoryDevice(1 << 20);
        small.write(0, ByteBuffer.wrap(d.bytes(0, 1 << 20)));
        d = small;
        assertThat(refused(FatException.BadBootSector.class)).contains("but the device has");
    }

    // --- cluster chains ------------------------------------------------------------------------------------------

    @Test
    void manyFilesSharingOneChainCannotAmplifyTheImage() throws IOException {
        // Every root slot after TOP.TXT names the same 30 MiB chain: more bytes than the image holds.
        long big = 30L << 20;
        putInt(entry(ROOT, SLOT_TOP) + 28, big);
        byte[] top = d.bytes(entry(ROOT, SLOT_TOP), 32);
        for (int slot = 3; slot < 8; slot++) {
            top[0] = (byte) ('A' + slot);
            d.write(entry(ROOT, slot), ByteBuffer.wrap(top));
        }
        for (long c = TOP; c < TOP + big / 512; c++) {
            setFat(c, c + 1 == TOP + big / 512 ? FatTable.END_MARK : c + 1);
        }
        assertThat(refused(FatException.Corrupt.class)).contains("more bytes than the image holds");
    }

    // --- directories ---------------------------------------------------------------------------------------------

    private void fillWithDeletedEntries(long cluster, int fromSlot) throws IOException {
        for (int slot = fromSlot; slot < 16; slot++) {
            d.poke(entry(cluster, slot), (byte) 0xE5);
            d.poke(entry(cluster, slot) + 11, (byte) DirEntry.ATTR_ARCHIVE);
        }
    }

    @Test
    void hugeDirectoryStopsAtTheLimit() throws IOException {
        // 5,000 clusters of deleted entries with no end marker: 80,000 slots, over FAT's 65,536.
        fillWithDeletedEntries(DIR, 3);
        long from = 1000;
        long count = 5000;
        setFat(DIR, from);
        byte[] deleted = new byte[512];
        for (int slot = 0; slot < 16; slot++) {
            deleted[slot * 32] = (byte) 0xE5;
        }
        for (long c = from; c < from + count; c++) {
            setFat(c, c + 1 == from + count ? FatTable.END_MARK : c + 1);
            d.write(G.clusterOffset(c), ByteBuffer.wrap(deleted));
        }
        assertThat(refused(FatException.LimitReached.class)).contains("more than 65536 entries");
    }

    @Test
    void deepNestingStopsAtTheLimit() throws IOException {
        d = Images.formatted(Images.SMALL, "evil");
        try (FatWriter w = FatWriter.open(d)) {
            FatWriter.Directory dir = w.root();
            for (int i = 0; i < 70; i++) {
                dir = dir.mkdir("D", 0);
            }
        }
        assertThat(refused(FatException.LimitReached.class)).contains("deeper than 64");
    }

    @Test
    void tooManyEntriesStopAtTheLimit() throws IOException {
        FatReader.Options few = new FatReader.Options(false, 0, 2, 65_536, 64);
        assertThat(refused(FatException.LimitReached.class, few)).contains("more than 2 files and folders");
    }

    @Test
    void listingsHeldAlongThePathCountAgainstTheEntryLimit() throws IOException {
        // Each level lists 41 entries before the walk goes down into its first: the limit must see them all,
        // or nested full directories would hold depth x 65,536 entries in memory.
        d = Images.formatted(Images.SMALL, "evil");
        try (FatWriter w = FatWriter.open(d)) {
            FatWriter.Directory dir = w.root();
            for (int level = 0; level < 3; level++) {
                FatWriter.Directory next = dir.mkdir("A", 0);
                for (int i = 0; i < 40; i++) {
                    Images.writeFile(dir, "F" + i, new byte[0]);
                }
                dir = next;
            }
        }
        int[] visited = new int[1];
        FatReader reader = FatReader.open(d, new FatReader.Options(false, 0, 60, 65_536, 64));
        assertThatThrownBy(() -> reader.walk(new FatReader.Visitor() {
            @Override
            public void directory(FatReader.Entry e) {
                visited[0]++;
            }

            @Override
            public void file(FatReader.Entry f, FatReader.Content c) {
                visited[0]++;
            }

            @Override
            public void leaveDirectory(FatReader.Entry e) {
                // nothing
            }
        })).isInstanceOf(FatException.LimitReached.class);
        assertThat(visited[0]).isEqualTo(1);
    }

    @Test
    void moreBytesThanAllowedStopAtTheLimit() throws IOException {
        FatReader.Options little = new FatReader.Options(false, 1000, 100, 65_536, 64);
        assertThat(refused(FatException.LimitReached.class, little)).contains("more than 1000 bytes");
    }

    // --- names ---------------------------------------------------------------------------------------------------

    @Test
    void dotEntriesAreNeverFollowed() throws IOException {
        // ".." pointing at DIR itself would loop if it were followed.
        setCluster(entry(DIR, 1), DIR);
        assertThat(Images.readAll(d)).containsOnlyKeys("DIR", "DIR/FILE.BIN", "TOP.TXT");
    }

    // --- extraction ----------------------------------------------------------------------------------------------

    @Test
    void hostileImageDuringExtractionWritesNothingOutside(@TempDir Path tmp) throws IOException {
        setFat(FILE_FIRST + 2, FILE_FIRST);
        Path dest = tmp.resolve("incoming");
        FatReader reader = FatReader.open(d, FatReader.Options.defaults());
        assertThatThrownBy(() -> Extractor.extract(reader, dest))
                .isInstanceOf(FatException.Corrupt.class);
        try (Stream<Path> all = Files.walk(tmp)) {
            assertThat(all.map(p -> tmp.relativize(p).toString()))
                    .allMatch(p -> p.isEmpty() || p.startsWith("incoming")).doesNotContain("incoming/DIR/FILE.BIN");
        }
    }

    @Test
    void plantedSymlinkInDestinationIsNotFollowed(@TempDir Path tmp) throws IOException {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Path dest = Files.createDirectory(tmp.resolve("incoming"));
        Files.createSymbolicLink(dest.resolve("DIR"), outside);
        FatReader reader = FatReader.open(d, FatReader.Options.defaults());
        assertThatThrownBy(() -> Extractor.extract(reader, dest))
                .isInstanceOf(FatException.ExtractionRefused.class).hasMessageContaining("DIR");
        try (Stream<Path> inOutside = Files.list(outside)) {
            assertThat(inOutside).isEmpty();
        }
    }

    @Test
    void existingFileInDestinationIsNotOverwritten(@TempDir Path dest) throws IOException {
        Files.writeString(dest.resolve("TOP.TXT"), "mine");
        FatReader reader = FatReader.open(d, FatReader.Options.defaults());
        assertThatThrownBy(() -> Extractor.extract(reader, dest))
                .isInstanceOf(FatException.ExtractionRefused.class).hasMessageContaining("exists");
        assertThat(Files.readString(dest.resolve("TOP.TXT"))).isEqualTo("mine");
    }
}
