package dev.airlock.pendrive.fat;

import dev.airlock.filecopy.NameRules;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Reads a pendrive that another domain wrote: the image is hostile. The boot sector must describe a FAT32 volume
 * that fits the device; every cluster number is checked before use; a file's chain must have exactly the clusters
 * its size needs; each cluster may be read only once in a walk, so a cycle, a directory loop or clusters shared
 * between files end as errors after at most as many steps as the image has clusters; directories, the number of
 * entries, the depth and the bytes are limited; names follow the file-copy stream's rules ({@link NameRules}) on the whole path. Memory
 * is bounded by the limits and by one bit per cluster of the checked geometry (32 KiB for a 1 GiB pendrive with
 * 4 KiB clusters), never by a size field. A broken long-name sequence (bad checksum, missing or
 * out-of-order part) is refused rather than replaced by the short name: a name that reads differently on two
 * systems is how a hostile image would hide a file.
 */
public final class FatReader {
    private static final int BUFFER = 1 << 20;
    private static final String SHORT_FORBIDDEN = "\"*+,./:;<=>?[\\]|";

    /**
     * What the reader accepts.
     *
     * @param allowAllNames     lift the character check of the name rules (never the path-form check)
     * @param maxBytes          most bytes of file content in the image, 0 = as many as the image can hold
     * @param maxEntries        most files and directories in the image
     * @param maxDirectorySlots most 32-byte slots read in one directory (FAT itself allows 65,536)
     * @param maxDepth          most nested directories below the root
     */
    public record Options(boolean allowAllNames, long maxBytes, long maxEntries, int maxDirectorySlots,
                          int maxDepth) {
        /** Checks that every limit is usable. */
        public Options {
            if (maxBytes < 0 || maxEntries < 1 || maxDirectorySlots < 1 || maxDepth < 0) {
                throw new IllegalArgumentException("limits must be positive (maxBytes 0 = the image's size)");
            }
        }

        /** Defaults: FAT's own directory limit, 100,000 entries, 64 levels, the image's size in bytes. */
        public static Options defaults() {
            return new Options(false, 0, 100_000, 65_536, 64);
        }
    }

    /**
     * A file or directory found in the image.
     *
     * @param path     its path from the root, components joined with {@code /}, checked by the name rules
     * @param modified last modification, epoch seconds (FAT keeps 2-second steps, in UTC)
     * @param readOnly FAT's read-only attribute
     */
    public record Entry(String path, boolean directory, long size, long modified, boolean readOnly) {
    }

    /** The content of a file, read from the image when asked for. */
    public interface Content {
        /** Writes the file's bytes to {@code out}, checking its cluster chain on the way; at most once per walk. */
        void transferTo(WritableByteChannel out) throws IOException;
    }

    /** Receives the tree in depth-first order: a directory, then what it holds, then the end of it. */
    public interface Visitor {
        void directory(Entry directory) throws IOException;

        void file(Entry file, Content content) throws IOException;

        void leaveDirectory(Entry directory) throws IOException;
    }

    /** A directory entry as listed, before its path is checked. */
    private record Listed(String name, boolean directory, long cluster, long size, long modified, boolean readOnly) {
    }

    private final BlockDevice device;
    private final Geometry g;
    private final Options options;
    private final FatTable fat;
    private final String label;
    private final ByteBuffer clusterBuffer;
    private ByteBuffer contentBuffer;
    private BitSet used;
    private long entries;
    private long bytes;

    private FatReader(BlockDevice device, Geometry g, Options options, String label) {
        this.device = device;
        this.g = g;
        this.options = options;
        this.fat = new FatTable(device, g);
        this.label = label;
        this.clusterBuffer = ByteBuffer.allocate(g.clusterSize()).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Checks the boot sector of {@code device} and prepares to read it. */
    public static FatReader open(BlockDevice device, Options options) throws IOException {
        if (device.size() < BootSector.SIZE) {
            throw new FatException.BadBootSector("the device has only " + device.size() + " bytes");
        }
        ByteBuffer boot = ByteBuffer.allocate(BootSector.SIZE);
        device.read(0, boot);
        Geometry g = BootSector.decode(boot.flip(), device.size());
        return new FatReader(device, g, options, printable(boot, 71, 11));
    }

    /** The limits this reader was opened with. */
    public Options options() {
        return options;
    }

    /** The volume label of the boot sector, without padding; empty when it is not printable ASCII. */
    public String label() {
        return label;
    }

    private static String printable(ByteBuffer b, int at, int length) {
        byte[] raw = new byte[length];
        b.get(at, raw);
        for (byte c : raw) {
            if (c < 0x20 || c > 0x7E) {
                return "";
            }
        }
        return new String(raw, StandardCharsets.US_ASCII).stripTrailing();
    }

    /** Walks the whole tree; the first problem ends the walk with a {@link FatException}. */
    public void walk(Visitor visitor) throws IOException {
        used = new BitSet();
        entries = 0;
        bytes = 0;
        walk(g.rootCluster(), "", 0, visitor);
    }

    private void walk(long cluster, String prefix, int depth, Visitor visitor) throws IOException {
        for (Listed l : list(cluster, prefix)) {
            String path = prefix.isEmpty() ? l.name() : prefix + "/" + l.name();
            if (NameRules.checkName(path.getBytes(StandardCharsets.UTF_8), options.allowAllNames()) != NameRules.OK) {
                throw new FatException.BadName("'" + path + "' is not an acceptable name (file-copy name rules)");
            }
            Entry e = new Entry(path, l.directory(), l.directory() ? 0 : l.size(), l.modified(), l.readOnly());
            if (l.directory()) {
                if (depth + 1 > options.maxDepth()) {
                    throw new FatException.LimitReached("'" + path + "' is nested deeper than "
                            + options.maxDepth() + " folders");
                }
                visitor.directory(e);
                walk(l.cluster(), path, depth + 1, visitor);
                visitor.leaveDirectory(e);
            } else {
                bytes += l.size();
                if (bytes > g.dataBytes()) {
                    throw new FatException.Corrupt("the files claim more bytes than the image holds "
                            + "(clusters shared between files?)");
                }
                if (options.maxBytes() > 0 && bytes > options.maxBytes()) {
                    throw new FatException.LimitReached("more than " + options.maxBytes() + " bytes of files");
                }
                visitor.file(e, out -> transfer(path, l.cluster(), l.size(), out));
            }
        }
    }

    /** The entries of the directory starting at {@code first}, with its chain and long names checked. */
    private List<Listed> list(long first, String where) throws IOException {
        String dirName = where.isEmpty() ? "the root folder" : "'" + where + "'";
        List<Listed> out = new ArrayList<>();
        LongName lfn = new LongName(dirName);
        int slots = 0;
        long c = first;
        while (true) {
            if (used.get((int) c)) {
                throw new FatException.Corrupt("directory loop: cluster " + c + " of " + dirName
                        + " was already read in this walk");
            }
            used.set((int) c);
            device.read(g.clusterOffset(c), clusterBuffer.clear());
            for (int at = 0; at < g.clusterSize(); at += DirEntry.SIZE) {
                if (++slots > options.maxDirectorySlots()) {
                    throw new FatException.LimitReached(dirName + " has more than " + options.maxDirectorySlots()
                            + " entries");
                }
                int b0 = clusterBuffer.get(at) & 0xFF;
                if (b0 == 0) {
                    lfn.requireNone();
                    return out;
                }
                int attributes = clusterBuffer.get(at + 11) & 0xFF;
                if (b0 == DirEntry.DELETED) {
                    lfn.requireNone();
                } else if ((attributes & 0x3F) == DirEntry.ATTR_LONG_NAME) {
                    lfn.add(clusterBuffer, at);
                } else if ((attributes & DirEntry.ATTR_VOLUME_ID) != 0) {
                    lfn.requireNone();
                } else if (isDotEntry(clusterBuffer, at)) {
                    // "." and ".." are never followed: the walk knows where it came from.
                    lfn.requireNone();
                } else {
                    // Counted when listed, not when visited: the listings held along the current path stay
                    // within the limit too.
                    if (++entries > options.maxEntries()) {
                        throw new FatException.LimitReached("more than " + options.maxEntries()
                                + " files and folders");
                    }
                    out.add(entry(clusterBuffer, at, attributes, lfn, dirName));
                }
            }
            long next = fat.get(c);
            if (next >= FatTable.END) {
                lfn.requireNone();
                return out;
            }
            if (!g.validCluster(next)) {
                throw new FatException.Corrupt("the chain of " + dirName + " goes from cluster " + c + " to "
                        + describe(next));
            }
            c = next;
        }
    }

    private Listed entry(ByteBuffer b, int at, int attributes, LongName lfn, String dirName) throws FatException {
        int sum = FatNames.checksum(b.array(), b.arrayOffset() + at);
        String name = lfn.pending() ? lfn.finish(sum) : shortName(b, at, dirName);
        boolean directory = (attributes & DirEntry.ATTR_DIRECTORY) != 0;
        long cluster = DirEntry.firstCluster(b, at);
        long size = DirEntry.size(b, at);
        String what = "'" + name + "' in " + dirName;
        if (directory && !g.validCluster(cluster)) {
            throw new FatException.Corrupt("folder " + what + " starts at " + describe(cluster));
        }
        if (!directory && size > g.dataBytes()) {
            throw new FatException.Corrupt("file " + what + " claims " + size + " bytes, more than the image's "
                    + g.dataBytes());
        }
        if (!directory && size > 0 && !g.validCluster(cluster)) {
            throw new FatException.Corrupt("file " + what + " starts at " + describe(cluster));
        }
        return new Listed(name, directory, cluster, size, DirEntry.modified(b, at),
                (attributes & DirEntry.ATTR_READ_ONLY) != 0);
    }

    private String describe(long cluster) {
        if (cluster == FatTable.FREE) {
            return "a free cluster (0)";
        }
        if (cluster == FatTable.BAD) {
            return "a cluster marked bad";
        }
        return "cluster " + cluster + ", outside 2.." + g.lastCluster();
    }

    private static boolean isDotEntry(ByteBuffer b, int at) {
        if (b.get(at) != '.') {
            return false;
        }
        int i = b.get(at + 1) == '.' ? 2 : 1;
        for (; i < 11; i++) {
            if (b.get(at + i) != ' ') {
                return false;
            }
        }
        return true;
    }

    /** The 8.3 name of an entry without a long name, with the case flags applied. Only ASCII is accepted. */
    private static String shortName(ByteBuffer b, int at, String dirName) throws FatException.BadName {
        StringBuilder base = new StringBuilder();
        StringBuilder ext = new StringBuilder();
        for (int i = 0; i < 11; i++) {
            int c = b.get(at + i) & 0xFF;
            if (c < 0x20 || c > 0x7E || SHORT_FORBIDDEN.indexOf(c) >= 0) {
                throw new FatException.BadName("a short name in " + dirName + " has the byte "
                        + String.format("0x%02X", c) + " (only ASCII short names are read: the code page is unknown)");
            }
            (i < 8 ? base : ext).append((char) c);
        }
        int flags = b.get(at + 12);
        String bs = base.toString().stripTrailing();
        String es = ext.toString().stripTrailing();
        if ((flags & DirEntry.LOWER_BASE) != 0) {
            bs = bs.toLowerCase(java.util.Locale.ROOT);
        }
        if ((flags & DirEntry.LOWER_EXT) != 0) {
            es = es.toLowerCase(java.util.Locale.ROOT);
        }
        if (bs.isEmpty()) {
            throw new FatException.BadName("a short name in " + dirName + " is blank");
        }
        return es.isEmpty() ? bs : bs + "." + es;
    }

    private void claim(String path, long cluster) throws FatException.Corrupt {
        if (used.get((int) cluster)) {
            throw new FatException.Corrupt("cluster " + cluster + " of '" + path + "' is used twice (a cycle in "
                    + "its chain, or shared with another file or folder)");
        }
        used.set((int) cluster);
    }

    /**
     * Copies a file's content, following its chain with every step checked: it must have exactly the clusters
     * its size needs, so a cycle or a chain into another file's clusters ends as an error, never a loop.
     */
    private void transfer(String path, long first, long size, WritableByteChannel out) throws IOException {
        long clusterSize = g.clusterSize();
        long clusters = (size + clusterSize - 1) / clusterSize;
        if (contentBuffer == null) {
            contentBuffer = ByteBuffer.allocateDirect(BUFFER);
        }
        long done = 0;
        long index = 0;
        long c = first;
        if (clusters > 0) {
            claim(path, c);
        }
        while (index < clusters) {
            long runStart = c;
            int run = 0;
            while (true) {
                run++;
                index++;
                long next = fat.get(c);
                if (index == clusters) {
                    if (next < FatTable.END) {
                        throw new FatException.Corrupt("the chain of '" + path + "' is longer than its " + size
                                + " bytes need (a cycle, or a wrong size)");
                    }
                    break;
                }
                if (next >= FatTable.END) {
                    throw new FatException.Corrupt("the chain of '" + path + "' ends after " + index + " of "
                            + clusters + " clusters");
                }
                if (!g.validCluster(next)) {
                    throw new FatException.Corrupt("the chain of '" + path + "' goes to " + describe(next));
                }
                claim(path, next);
                c = next;
                if (next != runStart + run || (run + 1) * clusterSize > BUFFER) {
                    break;
                }
            }
            int n = (int) Math.min(run * clusterSize, size - done);
            ByteBuffer buf = contentBuffer.clear().limit(n);
            device.read(g.clusterOffset(runStart), buf);
            buf.flip();
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            done += n;
        }
    }
}
