package dev.airlock.backup;

import java.util.Objects;

/**
 * One member of a tar archive, as {@link TarWriter} writes it and {@link TarReader} reads it.
 *
 * @param name the member's name, relative, {@code /}-separated, without a trailing {@code /}
 * @param type what it is
 * @param mode the permission bits (07777)
 * @param size a file's data size; 0 for the others
 * @param mtime the modification time, seconds since the epoch
 * @param linkTarget a symbolic link's target, else {@code null}
 */
public record TarEntry(String name, Type type, int mode, int uid, int gid, long size, long mtime,
                       String linkTarget) {

    /** The kinds of member airlock writes and accepts. */
    public enum Type { FILE, DIRECTORY, SYMLINK }

    public TarEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (size < 0 || type != Type.FILE && size != 0) {
            throw new IllegalArgumentException("member " + name + ": size " + size);
        }
        if ((type == Type.SYMLINK) != (linkTarget != null)) {
            throw new IllegalArgumentException("member " + name + ": a link target belongs to symbolic links only");
        }
    }

    /** A regular file of {@code size} bytes, owned by uid and gid 0. */
    public static TarEntry file(String name, int mode, long size, long mtime) {
        return new TarEntry(name, Type.FILE, mode, 0, 0, size, mtime, null);
    }
}
