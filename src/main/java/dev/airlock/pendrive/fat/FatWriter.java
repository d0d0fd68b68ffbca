package dev.airlock.pendrive.fat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Fills a freshly formatted pendrive (the sending side's "mount, cp -a, umount"). Clusters are handed out in
 * order and never freed, so a file's content is contiguous and goes to the image in large writes straight from
 * its source, in constant memory. The file system is consistent after every completed call, including one that
 * failed because the image was full; {@link #close} writes the FSInfo hints and flushes.
 */
public final class FatWriter implements AutoCloseable {
    /** FAT32's limit: a size must fit in the entry's 32 bits. */
    static final long MAX_FILE_SIZE = 0xFFFF_FFFFL;
    /** Entries (32-byte slots) in one directory: FAT's limit of 2 MiB per directory. */
    static final int MAX_DIRECTORY_SLOTS = 65_536;
    private static final int BUFFER = 1 << 20;
    private static final byte[] DOT = FatNames.pad(".", 11);
    private static final byte[] DOT_DOT = FatNames.pad("..", 11);

    private final BlockDevice device;
    private final Geometry g;
    private final FatTable fat;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
    private final Directory root;
    private long nextFree;
    private boolean closed;

    private FatWriter(BlockDevice device, Geometry g) {
        this.device = device;
        this.g = g;
        this.fat = new FatTable(device, g);
        this.nextFree = g.rootCluster() + 1;
        this.root = new Directory(g.rootCluster(), 1);
    }

    /**
     * Opens a pendrive that {@link Formatter} has just made: its root directory holds only the label and no
     * cluster after the root's is in use; anything else is refused rather than risk overwriting data.
     */
    public static FatWriter open(BlockDevice device) throws IOException {
        ByteBuffer boot = ByteBuffer.allocate(BootSector.SIZE);
        device.read(0, boot);
        Geometry g = BootSector.decode(boot.flip(), device.size());
        FatWriter w = new FatWriter(device, g);
        if (g.rootCluster() != Geometry.FIRST_CLUSTER || g.activeFat() >= 0
                || w.fat.get(g.rootCluster()) < FatTable.END || w.fat.get(g.rootCluster() + 1) != FatTable.FREE) {
            throw new FatException.Unsupported("the pendrive is not freshly formatted: it can only be filled once");
        }
        ByteBuffer root = ByteBuffer.allocate(2 * DirEntry.SIZE);
        device.read(g.clusterOffset(g.rootCluster()), root);
        if (root.get(DirEntry.SIZE) != 0) {
            throw new FatException.Unsupported("the pendrive is not freshly formatted: its root directory has entries");
        }
        return w;
    }

    /** The root directory; the volume label already takes its first slot. */
    public Directory root() {
        return root;
    }

    /** Bytes still free for file contents and directories. */
    public long freeBytes() {
        return freeClusters() * g.clusterSize();
    }

    private long freeClusters() {
        return g.lastCluster() - nextFree + 1;
    }

    /** A directory being filled; it remembers its names so that each new one gets a unique short name. */
    public final class Directory {
        private final long firstCluster;
        private final Set<String> shortNames = new HashSet<>();
        private final Set<String> longNames = new HashSet<>();
        private long lastCluster;
        private int chainLength = 1;
        private int slots;
        /** The clusters that the next entry's slots go to, from the one holding slot {@link #slots}. */
        private final List<Long> targets = new ArrayList<>();

        private Directory(long firstCluster, int slotsUsed) {
            this.firstCluster = firstCluster;
            this.lastCluster = firstCluster;
            this.slots = slotsUsed;
        }

        /** Creates a subdirectory, modified at {@code modified} (epoch seconds). */
        public Directory mkdir(String name, long modified) throws IOException {
            Name n = claim(name);
            long cluster = reserveAndAllocate(n.slots(), 1);
            zeroCluster(cluster);
            int time = FatTime.encode(modified);
            ByteBuffer dots = ByteBuffer.allocate(2 * DirEntry.SIZE).order(ByteOrder.LITTLE_ENDIAN);
            DirEntry.put(dots, 0, DOT, DirEntry.ATTR_DIRECTORY, cluster, 0, time);
            // ".." of a directory in the root says 0, not the root's cluster.
            long parent = firstCluster == g.rootCluster() ? 0 : firstCluster;
            DirEntry.put(dots, DirEntry.SIZE, DOT_DOT, DirEntry.ATTR_DIRECTORY, parent, 0, time);
            device.write(g.clusterOffset(cluster), dots);
            addEntry(n, DirEntry.ATTR_DIRECTORY, cluster, 0, time);
            return new Directory(cluster, 2);
        }

        /**
         * Writes a file of exactly {@code size} bytes read from {@code content}, modified at {@code modified}
         * (epoch seconds). Fails before writing anything when the image lacks room or the size exceeds FAT32's.
         */
        public void writeFile(String name, ReadableByteChannel content, long size, long modified) throws IOException {
            if (size < 0 || size > MAX_FILE_SIZE) {
                throw new FatException.Unsupported("'" + name + "' has " + size
                        + " bytes; FAT32 files must be smaller than 4 GiB");
            }
            Name n = claim(name);
            long clusters = (size + g.clusterSize() - 1) / g.clusterSize();
            long first = reserveAndAllocate(n.slots(), clusters);
            if (clusters > 0) {
                try {
                    copyContent(name, content, size, first);
                } catch (IOException | RuntimeException e) {
                    release(first, clusters);
                    throw e;
                }
            }
            addEntry(n, DirEntry.ATTR_ARCHIVE, first, size, FatTime.encode(modified));
        }

        private Name claim(String name) throws FatException.BadName {
            FatNames.checkLongName(name);
            String folded = name.toUpperCase(Locale.ROOT);
            if (longNames.contains(folded)) {
                throw new FatException.BadName("'" + name + "' already exists there (FAT names ignore case)");
            }
            byte[] shortName = FatNames.shortName(name, shortNames);
            boolean exact = FatNames.isExact(name, shortName);
            return new Name(name, folded, shortName, exact ? 1 : FatNames.slots(name) + 1, exact);
        }

        /**
         * Makes room for an entry of {@code entrySlots} slots (a new directory cluster if needed) and then takes
         * {@code clusters} contiguous clusters: all checked first, so that a full image changes nothing.
         */
        private long reserveAndAllocate(int entrySlots, long clusters) throws IOException {
            if (slots + entrySlots > MAX_DIRECTORY_SLOTS) {
                throw new FatException.Unsupported("a FAT directory holds at most " + MAX_DIRECTORY_SLOTS
                        + " entries");
            }
            int perCluster = g.clusterSize() / DirEntry.SIZE;
            int needed = (slots + entrySlots + perCluster - 1) / perCluster;
            int growth = needed - chainLength;
            if (growth + clusters > freeClusters()) {
                throw new FatException.ImageFull((growth + clusters) * g.clusterSize() + " bytes needed, "
                        + freeBytes() + " free");
            }
            targets.clear();
            if (slots / perCluster == chainLength - 1) {
                targets.add(lastCluster);
            }
            for (int i = 0; i < growth; i++) {
                long c = take(1);
                zeroCluster(c);
                fat.set(lastCluster, c);
                lastCluster = c;
                chainLength++;
                targets.add(c);
            }
            return clusters == 0 ? 0 : take(clusters);
        }

        private void addEntry(Name n, int attributes, long cluster, long size, int time) throws IOException {
            int count = n.slots();
            ByteBuffer entries = ByteBuffer.allocate(count * DirEntry.SIZE).order(ByteOrder.LITTLE_ENDIAN);
            if (!n.exact()) {
                FatNames.putLongName(entries, n.name(), FatNames.checksum(n.shortName(), 0));
            }
            DirEntry.put(entries, entries.position(), n.shortName(), attributes, cluster, size, time);
            writeSlots(entries.clear());
            shortNames.add(FatNames.key(n.shortName()));
            longNames.add(n.folded());
        }

        /** Writes consecutive slots from {@link #slots} on, into the {@link #targets} just reserved. */
        private void writeSlots(ByteBuffer entries) throws IOException {
            int perCluster = g.clusterSize() / DirEntry.SIZE;
            int total = entries.remaining() / DirEntry.SIZE;
            int written = 0;
            while (written < total) {
                int slot = slots + written;
                long cluster = targets.get(slot / perCluster - slots / perCluster);
                int run = Math.min(total - written, perCluster - slot % perCluster);
                ByteBuffer part = entries.slice(written * DirEntry.SIZE, run * DirEntry.SIZE);
                device.write(g.clusterOffset(cluster) + (long) (slot % perCluster) * DirEntry.SIZE, part);
                written += run;
            }
            slots += total;
        }
    }

    /** A checked name and how many slots it takes. */
    private record Name(String name, String folded, byte[] shortName, int slots, boolean exact) {
    }

    /** Takes {@code n} contiguous clusters (already known to be free) and chains them. */
    private long take(long n) throws IOException {
        long first = nextFree;
        for (long c = first; c < first + n - 1; c++) {
            fat.set(c, c + 1);
        }
        fat.set(first + n - 1, FatTable.END_MARK);
        nextFree += n;
        return first;
    }

    /** Gives back the clusters of a file that was never entered, the last ones taken, so no cluster is lost. */
    private void release(long first, long n) throws IOException {
        for (long c = first; c < first + n; c++) {
            fat.set(c, FatTable.FREE);
        }
        nextFree = first;
    }

    private void zeroCluster(long cluster) throws IOException {
        device.write(g.clusterOffset(cluster), ByteBuffer.allocate(g.clusterSize()));
    }

    private void copyContent(String name, ReadableByteChannel content, long size, long first) throws IOException {
        long offset = g.clusterOffset(first);
        long done = 0;
        while (done < size) {
            buffer.clear().limit((int) Math.min(BUFFER, size - done));
            int n = content.read(buffer);
            if (n < 0) {
                throw new IOException("'" + name + "' ended after " + done + " of " + size + " bytes");
            }
            buffer.flip();
            device.write(offset + done, buffer);
            done += n;
        }
        if (content.read(buffer.clear().limit(1)) > 0) {
            throw new IOException("'" + name + "' grew beyond " + size + " bytes while it was copied");
        }
    }

    /**
     * Copies {@code source} (a regular file, or a directory with everything under it) into {@code into}, like
     * {@code cp -a}: names and modification times. Links are never followed; a symlink or special file is refused,
     * as FAT cannot hold it.
     */
    public void copyTree(Path source, Directory into) throws IOException {
        Path name = source.getFileName();
        if (name == null) {
            throw new FatException.BadName("'" + source + "' has no name to copy under");
        }
        BasicFileAttributes a = Files.readAttributes(source, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        long modified = a.lastModifiedTime().toMillis() / 1000;
        if (a.isDirectory()) {
            Directory d = into.mkdir(name.toString(), modified);
            List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(source)) {
                s.forEach(children::add);
            }
            children.sort(null);
            for (Path child : children) {
                copyTree(child, d);
            }
        } else if (a.isRegularFile()) {
            try (SeekableByteChannel in = Files.newByteChannel(source, StandardOpenOption.READ,
                    LinkOption.NOFOLLOW_LINKS)) {
                into.writeFile(name.toString(), in, a.size(), modified);
            }
        } else {
            throw new FatException.Unsupported("cannot copy '" + source + "': FAT holds only files and folders, not "
                    + (a.isSymbolicLink() ? "symbolic links" : "special files"));
        }
    }

    /** Writes the FAT's last changes and the FSInfo hints, and flushes the device (it stays open). */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        fat.flush();
        ByteBuffer info = BootSector.encodeFsInfo(freeClusters(), nextFree <= g.lastCluster() ? nextFree : 0xFFFF_FFFFL);
        ByteBuffer tail = info.slice(BootSector.FSINFO_FREE, 8);
        long at = (long) g.fsInfoSector() * g.bytesPerSector() + BootSector.FSINFO_FREE;
        device.write(at, tail.duplicate());
        device.write(at + (long) Formatter.BACKUP_BOOT_SECTOR * g.bytesPerSector(), tail);
        device.flush();
    }
}
