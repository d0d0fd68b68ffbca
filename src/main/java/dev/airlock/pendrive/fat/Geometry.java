package dev.airlock.pendrive.fat;

/**
 * The layout of a FAT32 volume, from its boot sector: reserved sectors, the FATs, then the data clusters numbered
 * from 2. All offsets are in bytes from the start of the device.
 *
 * @param bytesPerSector    512..4096, a power of two
 * @param sectorsPerCluster 1..128, a power of two
 * @param reservedSectors   sectors before the first FAT (boot sector, FSInfo, backups)
 * @param fatCount          number of FAT copies (1 or 2)
 * @param sectorsPerFat     size of one FAT copy in sectors
 * @param totalSectors      sectors of the volume
 * @param rootCluster       first cluster of the root directory
 * @param activeFat         the FAT to read when mirroring is off, else -1 (read the first, write all)
 * @param fsInfoSector      sector of the FSInfo structure, 0 when absent
 */
record Geometry(int bytesPerSector, int sectorsPerCluster, int reservedSectors, int fatCount, long sectorsPerFat,
                long totalSectors, long rootCluster, int activeFat, int fsInfoSector) {
    /** FAT32 needs at least this many clusters; fewer make it FAT16 by definition. */
    static final long MIN_CLUSTERS = 65_525;
    /** Cluster numbers above 0x0FFFFFF6 are reserved: bad-cluster and end-of-chain marks. */
    static final long MAX_CLUSTERS = 0x0FFF_FFF5L;
    /** First cluster number of the data region. */
    static final long FIRST_CLUSTER = 2;

    int clusterSize() {
        return bytesPerSector * sectorsPerCluster;
    }

    long fatOffset(int copy) {
        return ((long) reservedSectors + copy * sectorsPerFat) * bytesPerSector;
    }

    long fatBytes() {
        return sectorsPerFat * bytesPerSector;
    }

    long dataOffset() {
        return ((long) reservedSectors + fatCount * sectorsPerFat) * bytesPerSector;
    }

    long clusterCount() {
        return (totalSectors - reservedSectors - fatCount * sectorsPerFat) / sectorsPerCluster;
    }

    /** The highest valid cluster number. */
    long lastCluster() {
        return clusterCount() + 1;
    }

    boolean validCluster(long cluster) {
        return cluster >= FIRST_CLUSTER && cluster <= lastCluster();
    }

    long clusterOffset(long cluster) {
        return dataOffset() + (cluster - FIRST_CLUSTER) * clusterSize();
    }

    /** The bytes that all data clusters hold together: no file or directory can be larger. */
    long dataBytes() {
        return clusterCount() * clusterSize();
    }
}
