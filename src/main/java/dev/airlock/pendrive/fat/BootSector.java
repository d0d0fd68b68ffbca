package dev.airlock.pendrive.fat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The FAT32 boot sector (BIOS parameter block) and FSInfo sector: encoding for the formatter, and strict decoding
 * for the reader, which accepts only a geometry that is consistent and fits inside the device.
 */
final class BootSector {
    static final int SIZE = 512;
    static final int FSINFO_FREE = 488;
    static final int FSINFO_NEXT = 492;
    private static final int LEAD_SIG = 0x4161_5252;
    private static final int STRUC_SIG = 0x6141_7272;
    private static final int TRAIL_SIG = 0xAA55_0000;
    private static final int MEDIA_FIXED = 0xF8;
    private static final long MAX_CLUSTER_SIZE = 64 * 1024;

    private BootSector() {
    }

    /** The boot sector of a new volume (one 512-byte sector). */
    static ByteBuffer encode(Geometry g, byte[] label, int volumeId) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, new byte[] {(byte) 0xEB, 0x58, (byte) 0x90});
        b.put(3, "AIRLOCK ".getBytes(StandardCharsets.US_ASCII));
        b.putShort(11, (short) g.bytesPerSector());
        b.put(13, (byte) g.sectorsPerCluster());
        b.putShort(14, (short) g.reservedSectors());
        b.put(16, (byte) g.fatCount());
        b.put(21, (byte) MEDIA_FIXED);
        b.putShort(24, (short) 32); // sectors per track and heads: meaningless for an image, but conventional
        b.putShort(26, (short) 64);
        b.putInt(32, (int) g.totalSectors());
        b.putInt(36, (int) g.sectorsPerFat());
        b.putInt(44, (int) g.rootCluster());
        b.putShort(48, (short) g.fsInfoSector());
        b.putShort(50, (short) Formatter.BACKUP_BOOT_SECTOR);
        b.put(64, (byte) 0x80);
        b.put(66, (byte) 0x29);
        b.putInt(67, volumeId);
        b.put(71, label);
        b.put(82, "FAT32   ".getBytes(StandardCharsets.US_ASCII));
        // Not bootable: a BIOS that jumps here halts (cli; hlt; jmp back to hlt).
        b.put(90, new byte[] {(byte) 0xFA, (byte) 0xF4, (byte) 0xEB, (byte) 0xFD});
        b.putShort(510, (short) 0xAA55);
        return b;
    }

    /** An FSInfo sector with the free-cluster count and the next-free hint. */
    static ByteBuffer encodeFsInfo(long freeClusters, long nextFree) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, LEAD_SIG);
        b.putInt(484, STRUC_SIG);
        b.putInt(FSINFO_FREE, (int) freeClusters);
        b.putInt(FSINFO_NEXT, (int) nextFree);
        b.putInt(508, TRAIL_SIG);
        return b;
    }

    /**
     * Decodes and checks the boot sector of a device of {@code deviceSize} bytes; {@code b} holds its first
     * {@link #SIZE} bytes.
     */
    static Geometry decode(ByteBuffer sector, long deviceSize) throws FatException.BadBootSector {
        ByteBuffer b = sector.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.limit() < SIZE) {
            throw bad("the device is smaller than one sector");
        }
        if ((b.getShort(510) & 0xFFFF) != 0xAA55) {
            throw bad("no boot sector signature (0x55AA)");
        }
        int bps = b.getShort(11) & 0xFFFF;
        if (bps < 512 || bps > 4096 || Integer.bitCount(bps) != 1) {
            throw bad("bytes per sector is " + bps + ", not a power of two from 512 to 4096");
        }
        int spc = b.get(13) & 0xFF;
        if (spc == 0 || Integer.bitCount(spc) != 1) {
            throw bad("sectors per cluster is " + spc + ", not a power of two");
        }
        if ((long) bps * spc > MAX_CLUSTER_SIZE) {
            throw bad("clusters of " + (long) bps * spc + " bytes are larger than 64 KiB");
        }
        int reserved = b.getShort(14) & 0xFFFF;
        if (reserved == 0) {
            throw bad("no reserved sectors");
        }
        int fats = b.get(16) & 0xFF;
        if (fats < 1 || fats > 2) {
            throw bad(fats + " FATs (1 or 2 expected)");
        }
        if (b.getShort(17) != 0 || b.getShort(19) != 0 || b.getShort(22) != 0) {
            throw bad("FAT12/16 fields are set (root entries, 16-bit sector counts): not FAT32");
        }
        long total = Integer.toUnsignedLong(b.getInt(32));
        long fatSectors = Integer.toUnsignedLong(b.getInt(36));
        if (total == 0 || fatSectors == 0) {
            throw bad("zero total sectors or zero sectors per FAT");
        }
        if (total > deviceSize / bps) {
            throw bad("the volume claims " + total * bps + " bytes but the device has " + deviceSize);
        }
        int extFlags = b.getShort(40) & 0xFFFF;
        int activeFat = -1;
        if ((extFlags & 0x80) != 0) {
            activeFat = extFlags & 0x0F;
            if (activeFat >= fats) {
                throw bad("the active FAT is " + activeFat + " of " + fats);
            }
        }
        if (b.getShort(42) != 0) {
            throw bad("unknown FAT32 version " + (b.getShort(42) & 0xFFFF));
        }
        long metadata = reserved + fats * fatSectors;
        if (metadata >= total) {
            throw bad("the reserved sectors and FATs (" + metadata + " sectors) fill the whole volume");
        }
        long clusters = (total - metadata) / spc;
        if (clusters < Geometry.MIN_CLUSTERS || clusters > Geometry.MAX_CLUSTERS) {
            throw bad(clusters + " clusters is outside FAT32's range (65525 to 268435445)");
        }
        if (fatSectors * bps / 4 < clusters + 2) {
            throw bad("a FAT of " + fatSectors + " sectors cannot describe " + clusters + " clusters");
        }
        long root = Integer.toUnsignedLong(b.getInt(44)) & 0x0FFF_FFFFL;
        int fsInfo = b.getShort(48) & 0xFFFF;
        if (fsInfo >= reserved || fsInfo == 0xFFFF) {
            fsInfo = 0;
        }
        Geometry g = new Geometry(bps, spc, reserved, fats, fatSectors, total, root, activeFat, fsInfo);
        if (!g.validCluster(root)) {
            throw bad("the root directory cluster " + root + " is outside 2.." + g.lastCluster());
        }
        return g;
    }

    private static FatException.BadBootSector bad(String why) {
        return new FatException.BadBootSector(why);
    }
}
