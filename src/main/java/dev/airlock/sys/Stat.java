package dev.airlock.sys;

/**
 * What {@code statx(2)} reports about a file, reduced to the fields airlock uses.
 *
 * @param dev the device of the file system that holds it (major in the high 32 bits)
 * @param mountId the mount it was reached through, or -1 when the kernel does not say
 */
public record Stat(int mode, long size, long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec, int uid,
                   int links, int gid, long dev, long mountId) {
    public static final int S_IFMT = 0170000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFIFO = 0010000;

    public boolean isDirectory() {
        return (mode & S_IFMT) == S_IFDIR;
    }

    public boolean isRegularFile() {
        return (mode & S_IFMT) == S_IFREG;
    }

    public boolean isSocket() {
        return (mode & S_IFMT) == S_IFSOCK;
    }

    public boolean isFifo() {
        return (mode & S_IFMT) == S_IFIFO;
    }

    public boolean isSymlink() {
        return (mode & S_IFMT) == S_IFLNK;
    }
}
