package dev.airlock.pendrive.fat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Makes a FAT32 file system on a new, all-zero device: boot sector and its backup, FSInfo and its backup, the
 * first entries of both FATs and the root directory with the volume label. Nothing else is written, so a new
 * sparse image stays sparse (a few KiB allocated for 1 GiB).
 */
public final class Formatter {
    /** The size of a new pendrive: 1 GiB. */
    public static final long DEFAULT_SIZE = 1L << 30;
    static final int BACKUP_BOOT_SECTOR = 6;
    private static final int SECTOR = 512;
    private static final int RESERVED = 32;
    private static final int FATS = 2;
    private static final int FSINFO_SECTOR = 1;
    private static final long MAX_SECTORS = 0xFFFF_FFFFL;

    private Formatter() {
    }

    /**
     * Creates a sparse image file of {@code size} bytes (it must not exist) formatted with {@code label}.
     *
     * @param label the owning domain's name ({@code [A-Za-z0-9_-]}), upper-cased and cut to 11 characters
     */
    public static void createImage(Path image, long size, String label) throws IOException {
        boolean done = false;
        try (FileBlockDevice device = FileBlockDevice.create(image, size)) {
            format(device, label);
            device.flush();
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(image);
            }
        }
    }

    /**
     * Formats {@code device}, which must read as zeros everywhere (a new sparse file does): only the structures
     * that differ from zero are written.
     */
    public static void format(BlockDevice device, String label) throws IOException {
        byte[] labelBytes = FatNames.label(label);
        Geometry g = geometry(device.size());
        int volumeId = ThreadLocalRandom.current().nextInt();
        ByteBuffer boot = BootSector.encode(g, labelBytes, volumeId);
        ByteBuffer fsInfo = BootSector.encodeFsInfo(g.clusterCount() - 1, Geometry.FIRST_CLUSTER + 1);
        for (int base : new int[] {0, BACKUP_BOOT_SECTOR}) {
            device.write((long) base * SECTOR, boot.duplicate().clear());
            device.write((long) (base + FSINFO_SECTOR) * SECTOR, fsInfo.duplicate().clear());
        }
        ByteBuffer fatStart = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        fatStart.putInt(0, 0x0FFF_FF00 | 0xF8); // FAT[0]: the media byte
        fatStart.putInt(4, (int) FatTable.END_MARK); // FAT[1]: clean, no errors
        fatStart.putInt(8, (int) FatTable.END_MARK); // FAT[2]: the root directory's single cluster
        for (int copy = 0; copy < g.fatCount(); copy++) {
            device.write(g.fatOffset(copy), fatStart.duplicate().clear());
        }
        ByteBuffer labelEntry = ByteBuffer.allocate(DirEntry.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        DirEntry.put(labelEntry, 0, labelBytes, DirEntry.ATTR_VOLUME_ID, 0, 0,
                FatTime.encode(Instant.now().getEpochSecond()));
        device.write(g.clusterOffset(g.rootCluster()), labelEntry);
    }

    /**
     * The layout for a device of {@code size} bytes: 512-byte sectors, clusters sized as Microsoft's table does
     * (512 B up to 260 MiB, 4 KiB up to 8 GiB, then larger), data aligned to whole clusters.
     */
    static Geometry geometry(long size) {
        long total = Math.min(size / SECTOR, MAX_SECTORS);
        int spc = size <= 260L << 20 ? 1 : size <= 8L << 30 ? 8 : size <= 16L << 30 ? 16 : size <= 32L << 30 ? 32 : 64;
        // Microsoft's estimate: a little more FAT than needed, never less.
        long fatSectors = ceilDiv(total - RESERVED, (256L * spc + FATS) / 2);
        int reserved = RESERVED;
        while ((reserved + FATS * fatSectors) % spc != 0) {
            reserved++;
        }
        Geometry g = new Geometry(SECTOR, spc, reserved, FATS, fatSectors, total, Geometry.FIRST_CLUSTER, -1,
                FSINFO_SECTOR);
        if (total <= reserved + FATS * fatSectors || g.clusterCount() < Geometry.MIN_CLUSTERS) {
            throw new IllegalArgumentException("a FAT32 pendrive needs at least 34 MiB, not " + size + " bytes");
        }
        return g;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
