package dev.airlock.filecopy;

import dev.airlock.sys.Errno;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the unpacker in a throw-away layout {@code root/outside/} (with a canary file) and {@code root/dest/}, and
 * checks what a hostile stream must never achieve: any change outside {@code dest}, or a half-written file inside it.
 */
final class UnpackHarness {
    /** How the stream reaches the unpacker. */
    enum Feed {
        /** As few reads as the channel allows. */
        WHOLE,
        /** 1 to 7 bytes per read, so every header, name and body is split at arbitrary offsets. */
        SPLIT
    }

    static final String CANARY = "canary.txt";
    static final byte[] CANARY_CONTENT = StreamBuilder.utf8("outside the destination: must never change\n");
    static final String TEMP_PREFIX = ".airlock-incoming-";
    private static final long SPLIT_SEED = 0x5EED_F11EL;

    final Path root;
    final Path outside;
    final Path dest;
    private final Feed feed;
    private final List<String> rootBefore;
    private final TreeMap<String, String> outsideBefore;

    private UnpackHarness(Path root, Feed feed) throws IOException {
        this.root = root;
        this.feed = feed;
        this.outside = Files.createDirectory(root.resolve("outside"));
        Files.write(outside.resolve(CANARY), CANARY_CONTENT);
        this.dest = Files.createDirectory(root.resolve("dest"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        this.rootBefore = listing(root);
        this.outsideBefore = snapshot(outside);
    }

    static UnpackHarness create(Path root, Feed feed) throws IOException {
        return new UnpackHarness(root, feed);
    }

    Outcome receive(byte[] stream) throws IOException {
        return receive(stream, Unpacker.Options.defaults());
    }

    Outcome receive(byte[] stream, Unpacker.Options options) throws IOException {
        ReadableByteChannel in = feed == Feed.WHOLE
                ? Channels.newChannel(new ByteArrayInputStream(stream))
                : new TrickleChannel(stream, SPLIT_SEED);
        ByteArrayOutputStream replyOut = new ByteArrayOutputStream();
        Reply reply = Unpacker.receive(dest, in, Channels.newChannel(replyOut), options);
        return new Outcome(stream, reply, replyOut.toByteArray());
    }

    /** What one session produced, with the checks every hostile case shares. */
    final class Outcome {
        final byte[] stream;
        final Reply reply;
        final byte[] wire;

        Outcome(byte[] stream, Reply reply, byte[] wire) {
            this.stream = stream;
            this.reply = reply;
            this.wire = wire;
        }

        /** {@code lastName} null means the reply carries no name at all. */
        Outcome refused(int code, String lastName, int bytesRead) {
            return replied(code, lastName == null ? null : StreamBuilder.utf8(lastName), bytesRead);
        }

        Outcome succeeded(String lastName) {
            return replied(0, lastName == null ? null : StreamBuilder.utf8(lastName), endOfMarker());
        }

        /**
         * The error code, the last name, and a CRC over exactly the first {@code bytesRead} bytes of the stream;
         * the same on the wire; and nothing changed outside the destination, nothing half-written inside it.
         */
        Outcome replied(int code, byte[] lastName, int bytesRead) {
            assertThat(reply).as("reply").isNotNull();
            assertThat(reply.errorCode()).as("error code of %s (%s)", reply, Errno.describe(reply.errorCode()))
                    .isEqualTo(code);
            assertThat(reply.lastName()).as("last name of %s", reply).isEqualTo(lastName);
            assertThat(reply.crc32()).as("CRC-32 of the first %d of %d stream bytes", bytesRead, stream.length)
                    .isEqualTo(StreamBuilder.crc32(stream, bytesRead));
            assertWire(code, lastName);
            assertContained();
            return this;
        }

        /** Decodes the reply bytes independently of {@link Reply#encode}. */
        private void assertWire(int code, byte[] lastName) {
            ByteBuffer b = ByteBuffer.wrap(wire).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(wire.length).as("reply length")
                    .isEqualTo(Reply.HEADER_SIZE + (lastName == null ? 0 : 4 + lastName.length));
            assertThat(b.getInt()).as("wire error code").isEqualTo(code);
            assertThat(b.getInt()).as("wire pad").isZero();
            assertThat(b.getLong()).as("wire crc32 (upper 32 bits zero)").isEqualTo(reply.crc32() & 0xFFFF_FFFFL);
            if (lastName != null) {
                assertThat(b.getInt()).as("wire last_namelen").isEqualTo(lastName.length);
                byte[] name = new byte[lastName.length];
                b.get(name);
                assertThat(name).as("wire last_name").isEqualTo(lastName);
            }
        }

        /** Where the end marker ends in a well-formed stream: a successful session read exactly that far. */
        private int endOfMarker() {
            ByteBuffer b = ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN);
            int at = 0;
            while (true) {
                long namelen = Integer.toUnsignedLong(b.getInt(at));
                if (namelen == 0) {
                    return at + FileHeader.SIZE;
                }
                at += FileHeader.SIZE + (int) namelen + (int) b.getLong(at + 8);
            }
        }
    }

    /** Nothing new next to {@code outside} and {@code dest}, {@code outside} unchanged, no leftovers in dest. */
    void assertContained() {
        assertThat(listing(root)).as("entries of the temporary root").isEqualTo(rootBefore);
        assertThat(snapshot(outside)).as("the outside folder").isEqualTo(outsideBefore);
        assertThat(Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS)).as("dest is still a real directory").isTrue();
        assertThat(tree()).as("dest holds no temporary file").noneMatch(p -> baseName(p).startsWith(TEMP_PREFIX));
    }

    /**
     * Everything in dest, depth first, hidden files included, sorted: {@code "d/"} for a directory,
     * {@code "l -> target"} for a symlink, {@code "f"} for a regular file, {@code "x ?"} for anything else.
     */
    List<String> tree() {
        try (Stream<Path> walk = Files.walk(dest)) {
            return walk.filter(p -> !p.equals(dest)).map(this::describe).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String describe(Path p) {
        String rel = dest.relativize(p).toString();
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isSymbolicLink()) {
                return rel + " -> " + Files.readSymbolicLink(p);
            }
            return a.isDirectory() ? rel + "/" : a.isRegularFile() ? rel : rel + " ?";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every entry in dest with its type, mode, and content or target. */
    TreeMap<String, String> destSnapshot() {
        return snapshot(dest);
    }

    byte[] content(String relative) throws IOException {
        Path p = dest.resolve(relative);
        assertThat(Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).as("%s is a regular file", relative).isTrue();
        return Files.readAllBytes(p);
    }

    int mode(String relative) throws IOException {
        return (Integer) Files.getAttribute(dest.resolve(relative), "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }

    private static String baseName(String treeEntry) {
        String path = treeEntry.contains(" -> ") ? treeEntry.substring(0, treeEntry.indexOf(" -> ")) : treeEntry;
        path = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static List<String> listing(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every entry below {@code dir} with its type, mode, and content or target. */
    private static TreeMap<String, String> snapshot(Path dir) {
        TreeMap<String, String> m = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                String what;
                if (Files.isSymbolicLink(p)) {
                    what = "-> " + Files.readSymbolicLink(p);
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    what = HexFormat.of().formatHex(Files.readAllBytes(p));
                } else {
                    what = "";
                }
                m.put(dir.relativize(p).toString(), Integer.toOctalString(mode) + " " + what);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    /** Deletes {@code dir} and everything below it without following symlinks, whatever modes a stream set. */
    static void deleteTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Files.delete(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Hands out the stream a few bytes at a time (1 to 7, from a fixed seed). */
    static final class TrickleChannel implements ReadableByteChannel {
        private final byte[] data;
        private final Random random;
        private int at;
        private boolean open = true;

        TrickleChannel(byte[] data, long seed) {
            this.data = data;
            this.random = new Random(seed);
        }

        @Override
        public int read(ByteBuffer dst) {
            if (at == data.length) {
                return -1;
            }
            int n = Math.min(Math.min(1 + random.nextInt(7), dst.remaining()), data.length - at);
            dst.put(data, at, n);
            at += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }
}
