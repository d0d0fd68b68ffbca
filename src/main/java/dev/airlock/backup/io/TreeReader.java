package dev.airlock.backup.io;

import dev.airlock.backup.TarEntry;
import dev.airlock.backup.TarWriter;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Fd;
import dev.airlock.sys.Posix;
import dev.airlock.sys.Stat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads a folder whose content a domain controls (its home) into a tar archive. The tree is walked with
 * descriptors: every name is opened relative to its parent's descriptor with {@code O_NOFOLLOW}, so a symbolic
 * link is stored as a link and never followed, and swapping a folder for a link while the walk runs leads
 * nowhere outside. Sockets, pipes and devices, and names tar cannot carry (not UTF-8, control characters), are
 * skipped and reported.
 */
final class TreeReader {

    private static final int MAX_DEPTH = 256;
    private static final int MAX_ENTRIES_PER_DIRECTORY = 1_000_000;
    private static final int MAX_LINK_BYTES = 4096;
    private static final int BUFFER = 1 << 20;

    /** What a walk found: bytes of file data, members, and what it left out. */
    record Totals(long bytes, long members, List<String> skipped) {
    }

    private final List<String> skipped = new ArrayList<>();
    private long bytes;
    private long members;
    private byte[] heap;

    /** Counts what {@link #write} would store, without reading any data. */
    static Totals count(Path root) throws IOException {
        TreeReader r = new TreeReader();
        r.walkRoot(root, null, null, Progress.NONE);
        return new Totals(r.bytes, r.members, List.copyOf(r.skipped));
    }

    /** Writes the tree at {@code root} as members {@code prefix}, {@code prefix/...}. */
    static Totals write(Path root, String prefix, TarWriter tar, Progress progress) throws IOException {
        TreeReader r = new TreeReader();
        r.walkRoot(root, prefix, tar, progress);
        return new Totals(r.bytes, r.members, List.copyOf(r.skipped));
    }

    private void walkRoot(Path root, String prefix, TarWriter tar, Progress progress) throws IOException {
        byte[] path = root.toString().getBytes(StandardCharsets.UTF_8);
        try (Fd dir = Fd.CWD.open(path, Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0);
             Arena arena = Arena.ofConfined()) {
            Stat st = dir.stat();
            members++;
            if (tar != null) {
                tar.begin(new TarEntry(prefix, TarEntry.Type.DIRECTORY, st.mode() & 07777, st.uid(), st.gid(), 0,
                        st.mtimeSec(), null));
            }
            if (tar != null) {
                heap = new byte[BUFFER];
            }
            walk(dir, prefix, "", tar, progress, 0, tar == null ? null : arena.allocate(BUFFER));
        } catch (ErrnoException e) {
            throw new IOException("cannot read " + root + ": " + e.getMessage(), e);
        }
    }

    private void walk(Fd dir, String prefix, String relative, TarWriter tar, Progress progress, int depth,
                      MemorySegment buffer) throws IOException {
        if (depth >= MAX_DEPTH) {
            throw new IOException("folder " + relative + " is nested more than " + MAX_DEPTH + " deep");
        }
        List<byte[]> names = new ArrayList<>(dir.list(MAX_ENTRIES_PER_DIRECTORY));
        names.sort(Comparator.comparing(n -> new String(n, StandardCharsets.ISO_8859_1)));
        for (byte[] raw : names) {
            String name = decode(raw);
            String rel = relative.isEmpty() ? (name == null ? "?" : name) : relative + "/" + (name == null ? "?" : name);
            if (name == null) {
                skipped.add(rel + " (its name is not UTF-8 or holds a control character)");
                continue;
            }
            Stat st;
            try {
                st = dir.stat(raw, Posix.AT_SYMLINK_NOFOLLOW);
            } catch (ErrnoException e) {
                if (e.errno() == dev.airlock.sys.Errno.ENOENT) {
                    continue;
                }
                throw e;
            }
            String member = prefix + "/" + rel;
            if (st.isDirectory()) {
                try (Fd sub = dir.open(raw, Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC,
                        0)) {
                    Stat now = sub.stat();
                    members++;
                    if (tar != null) {
                        tar.begin(new TarEntry(member, TarEntry.Type.DIRECTORY, now.mode() & 07777, now.uid(),
                                now.gid(), 0, now.mtimeSec(), null));
                    }
                    walk(sub, prefix, rel, tar, progress, depth + 1, buffer);
                }
            } else if (st.isSymlink()) {
                byte[] target = dir.readlink(raw, MAX_LINK_BYTES);
                String t = decode(target);
                if (t == null || t.isEmpty()) {
                    skipped.add(rel + " (a link whose target is not UTF-8 or holds a control character)");
                    continue;
                }
                members++;
                if (tar != null) {
                    tar.begin(new TarEntry(member, TarEntry.Type.SYMLINK, 0777, st.uid(), st.gid(), 0, st.mtimeSec(),
                            t));
                }
            } else if (st.isRegularFile()) {
                members++;
                bytes += st.size();
                if (tar != null) {
                    copyFile(dir, raw, member, rel, tar, progress, buffer);
                }
            } else {
                skipped.add(rel + " (not a file, folder or link)");
            }
        }
    }

    private void copyFile(Fd dir, byte[] raw, String member, String rel, TarWriter tar, Progress progress,
                          MemorySegment buffer) throws IOException {
        try (Fd f = dir.open(raw, Posix.O_RDONLY | Posix.O_NOFOLLOW | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0)) {
            Stat st = f.stat();
            if (!st.isRegularFile()) {
                skipped.add(rel + " (changed into something else while the backup ran)");
                return;
            }
            tar.begin(new TarEntry(member, TarEntry.Type.FILE, st.mode() & 07777, st.uid(), st.gid(), st.size(),
                    st.mtimeSec(), null));
            long left = st.size();
            while (left > 0) {
                MemorySegment slice = buffer.asSlice(0, Math.min(left, buffer.byteSize()));
                long n = f.read(slice);
                if (n <= 0) {
                    throw new IOException(rel + " shrank while the backup read it; halt its domain and try again");
                }
                MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, heap, 0, (int) n);
                tar.write(heap, 0, (int) n);
                left -= n;
                progress.advanced(n);
            }
        }
    }

    /** The name as UTF-8 text, or null if it is not, or holds a control character. */
    private static String decode(byte[] raw) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) < 0x20 || s.charAt(i) == 0x7f) {
                    return null;
                }
            }
            return s;
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
