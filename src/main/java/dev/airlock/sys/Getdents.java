package dev.airlock.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Directory listing with {@code getdents64}, which Java lacks for a directory held open by descriptor: listing by
 * path would follow a symlink that a domain swapped in.
 */
final class Getdents {
    private Getdents() {
    }

    /**
     * Up to {@code max} names in the open directory {@code dirFd} (without {@code .} and {@code ..}), read with
     * getdents64 from its start: a caller that removes what it read and asks again gets the rest.
     */
    static List<byte[]> readDirectory(int dirFd, int max) throws ErrnoException {
        Posix.lseek(dirFd, 0, Posix.SEEK_SET);
        List<byte[]> out = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(32 * 1024, 8);
            while (out.size() < max) {
                long n = Posix.syscall("getdents64", Posix.SYS_GETDENTS64, dirFd, buf.address(), buf.byteSize());
                if (n == 0) {
                    break;
                }
                for (long pos = 0; pos < n && out.size() < max; ) {
                    int reclen = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT_UNALIGNED, pos + 16));
                    long nameEnd = pos + 19;
                    while (buf.get(JAVA_BYTE, nameEnd) != 0) {
                        nameEnd++;
                    }
                    byte[] name = buf.asSlice(pos + 19, nameEnd - pos - 19).toArray(JAVA_BYTE);
                    if (!isDotOrDotDot(name)) {
                        out.add(name);
                    }
                    pos += reclen;
                }
            }
        }
        return out;
    }

    /**
     * The names in the open directory {@code dirFd} (without {@code .} and {@code ..}), read with getdents64 from
     * the directory's current offset. At most {@code maxEntries}; more is an error (E2BIG-like, reported as ENOMEM)
     * so that a hostile directory cannot exhaust memory.
     */
    static List<byte[]> listDirectory(int dirFd, int maxEntries) throws ErrnoException {
        List<byte[]> out = new ArrayList<>();
        listDirectory(dirFd, maxEntries, (name, type) -> out.add(name), out::size);
        return out;
    }

    /**
     * {@link #listDirectory(int, int)} with each name's file type as getdents64 reports it ({@code d_type}:
     * {@link Fd.Entry#DT_UNKNOWN} where the file system does not say), which spares a stat per entry to a caller
     * that only needs the type and checks it again when it opens the entry.
     */
    static List<Fd.Entry> listDirectoryTyped(int dirFd, int maxEntries) throws ErrnoException {
        List<Fd.Entry> out = new ArrayList<>();
        listDirectory(dirFd, maxEntries, (name, type) -> out.add(new Fd.Entry(name, type)), out::size);
        return out;
    }

    private interface EntrySink {
        void accept(byte[] name, byte type);
    }

    private static void listDirectory(int dirFd, int maxEntries, EntrySink sink, IntSupplier count)
            throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(64 * 1024, 8);
            for (;;) {
                long n = Posix.syscall("getdents64", Posix.SYS_GETDENTS64, dirFd, buf.address(), buf.byteSize());
                if (n == 0) {
                    return;
                }
                long pos = 0;
                while (pos < n) {
                    int reclen = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT_UNALIGNED, pos + 16));
                    long nameStart = pos + 19;
                    long nameEnd = nameStart;
                    while (buf.get(JAVA_BYTE, nameEnd) != 0) {
                        nameEnd++;
                    }
                    byte[] name = buf.asSlice(nameStart, nameEnd - nameStart).toArray(JAVA_BYTE);
                    if (!isDotOrDotDot(name)) {
                        if (count.getAsInt() >= maxEntries) {
                            throw new ErrnoException("getdents64", Errno.ENOMEM);
                        }
                        sink.accept(name, buf.get(JAVA_BYTE, pos + 18));
                    }
                    pos += reclen;
                }
            }
        }
    }

    private static boolean isDotOrDotDot(byte[] n) {
        return n.length == 1 && n[0] == '.' || n.length == 2 && n[0] == '.' && n[1] == '.';
    }
}
