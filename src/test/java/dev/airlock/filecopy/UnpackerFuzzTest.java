package dev.airlock.filecopy;

import dev.airlock.filecopy.UnpackHarness.Feed;
import dev.airlock.sys.Errno;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import static dev.airlock.filecopy.StreamBuilder.S_IFDIR;
import static dev.airlock.filecopy.StreamBuilder.S_IFIFO;
import static dev.airlock.filecopy.StreamBuilder.S_IFLNK;
import static dev.airlock.filecopy.StreamBuilder.S_IFREG;
import static dev.airlock.filecopy.StreamBuilder.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random and mutated streams: whatever arrives, {@link Unpacker#receive} returns a reply (never throws), answers
 * with a known code and a CRC over a prefix of the stream, changes nothing outside the destination, leaves no
 * temporary file, and creates only directories, regular files without setuid/setgid, and symlinks whose target
 * stays inside the destination; and reading the stream 1 to 7 bytes at a time changes nothing. Seeds are fixed so
 * every run tries the same streams.
 */
class UnpackerFuzzTest {
    /** Every code the receiver may answer with: the spec's table, plus the kernel's for an over-long component. */
    private static final Set<Integer> KNOWN_CODES = Set.of(0, Errno.EEXIST, Errno.EINVAL, Errno.EILSEQ,
            Errno.ENOLINK, Errno.EDQUOT, Errno.ENAMETOOLONG, Errno.EREMOTEIO, Errno.ENOENT, Errno.ENOTDIR,
            FilecopyErrors.LEGAL_EOF);
    /** Planted before some sessions: a link in dest that points outside, which the stream must not follow. */
    private static final String PLANTED = "ln";
    /** Directories opened (first header only) before the hostile entries, so that their names have parents. */
    private static final byte[] SCAFFOLD = new StreamBuilder().dir("a", 0755).dir("a/b", 0755).dir("b", 0755)
            .dir("b/sub", 0755).bytes();

    // Small vocabularies, so that names collide and links and directories meet; about one part in eight is a bad
    // path form or character, so that most entries get as far as the file system and some do not.
    private static final Arbitrary<String> COMPONENT = Arbitraries.frequency(
            Tuple.of(12, "a"), Tuple.of(10, "b"), Tuple.of(10, "ln"), Tuple.of(8, "sub"), Tuple.of(4, "outside"),
            Tuple.of(4, UnpackHarness.CANARY), Tuple.of(4, "\u00e9"), Tuple.of(2, "."), Tuple.of(2, ".."),
            Tuple.of(1, ""), Tuple.of(1, "\u202e"), Tuple.of(1, "x\0y"));
    private static final Arbitrary<String> TARGET_PART = Arbitraries.frequency(
            Tuple.of(8, ".."), Tuple.of(2, "."), Tuple.of(6, "a"), Tuple.of(4, "b"), Tuple.of(4, "ln"),
            Tuple.of(4, "sub"), Tuple.of(2, "outside"), Tuple.of(2, UnpackHarness.CANARY), Tuple.of(1, ""));

    private static final List<byte[]> VALID = List.of(
            new StreamBuilder().dir("top", 0755).file("top/a", 0640, utf8("A")).symlink("top/ln", "a")
                    .dir("top/sub", 0750).file("top/sub/b", 0600, new byte[5000]).symlink("top/sub/up", "../a")
                    .dir("top/sub", 0750).dir("top", 0755).end().bytes(),
            new StreamBuilder().file("x", 04755, utf8("#!/bin/sh\n")).file("y", 0644, new byte[0])
                    .file("z", 0600, utf8("zzz")).end().bytes(),
            new StreamBuilder().dir("a", 0700).dir("a/b", 0700).dir("a/b/c", 0700).file("a/b/c/f", 0644, utf8("f"))
                    .symlink("a/b/c/ln", "../../b").dir("a/b/c", 0700).dir("a/b", 0700).dir("a", 0700).end().bytes());

    @Property(tries = 120, seed = "4215")
    void randomBytesNeverEscape(@ForAll @Size(max = 400) byte[] stream, @ForAll boolean allowAllNames,
                                @ForAll boolean plant) throws IOException {
        receiveAndCheck(stream, new Unpacker.Options(allowAllNames, 0, 0), plant);
    }

    @Property(tries = 80, seed = "4219")
    void randomBytesBehindASmallNamelenNeverEscape(@ForAll @Size(min = 100, max = 600) byte[] stream,
                                                   @ForAll boolean allowAllNames) throws IOException {
        // Random bytes almost always start with a namelen over the limit; a small one gets into the entry.
        byte[] s = stream.clone();
        s[0] &= 0x3F;
        s[1] = 0;
        s[2] = 0;
        s[3] = 0;
        receiveAndCheck(s, new Unpacker.Options(allowAllNames, 0, 0), false);
    }

    @Property(tries = 150, seed = "4216", edgeCases = EdgeCasesMode.NONE)
    void mutatedValidStreamsNeverEscape(@ForAll("mutatedValidStreams") byte[] stream, @ForAll boolean plant)
            throws IOException {
        receiveAndCheck(stream, new Unpacker.Options(false, 20_000, 40), plant);
    }

    @Property(tries = 150, seed = "4217", edgeCases = EdgeCasesMode.NONE)
    void hostileEntriesNeverEscape(@ForAll("hostileStreams") byte[] stream, @ForAll boolean allowAllNames,
                                   @ForAll boolean plant) throws IOException {
        receiveAndCheck(stream, new Unpacker.Options(allowAllNames, 0, 0), plant);
    }

    @Property(tries = 60, seed = "4218", edgeCases = EdgeCasesMode.NONE)
    void splitReadsAgreeWithWholeReads(@ForAll("mutatedOrHostileStreams") byte[] stream) throws IOException {
        Path root = Files.createTempDirectory("airlock-fuzz-");
        try {
            UnpackHarness whole = UnpackHarness.create(Files.createDirectory(root.resolve("whole")), Feed.WHOLE);
            UnpackHarness split = UnpackHarness.create(Files.createDirectory(root.resolve("split")), Feed.SPLIT);
            Unpacker.Options options = Unpacker.Options.defaults();
            UnpackHarness.Outcome w = check(whole, whole.receive(stream, options), Set.of());
            UnpackHarness.Outcome s = check(split, split.receive(stream, options), Set.of());
            assertThat(s.reply).as("reply with 1..7-byte reads").isEqualTo(w.reply);
            assertThat(split.destSnapshot()).as("dest with 1..7-byte reads").isEqualTo(whole.destSnapshot());
        } finally {
            UnpackHarness.deleteTree(root);
        }
    }

    private static void receiveAndCheck(byte[] stream, Unpacker.Options options, boolean plant) throws IOException {
        Path root = Files.createTempDirectory("airlock-fuzz-");
        try {
            UnpackHarness h = UnpackHarness.create(root, Feed.WHOLE);
            if (plant) {
                Files.createSymbolicLink(h.dest.resolve(PLANTED), Path.of("../outside"));
            }
            check(h, h.receive(stream, options), plant ? Set.of(PLANTED) : Set.of());
        } finally {
            UnpackHarness.deleteTree(root);
        }
    }

    static UnpackHarness.Outcome check(UnpackHarness h, UnpackHarness.Outcome o, Set<String> planted)
            throws IOException {
        assertThat(o.reply).as("reply").isNotNull();
        assertThat(KNOWN_CODES).as("known error code, got %s", o.reply).contains(o.reply.errorCode());
        assertThat(o.wire).as("wire bytes").isEqualTo(o.reply.encode());
        assertThat(crcIsOfAPrefix(o.stream, o.reply.crc32())).as("CRC of %s covers a prefix of the stream", o.reply)
                .isTrue();
        h.assertContained();
        try (Stream<Path> walk = Files.walk(h.dest)) {
            for (Path p : walk.filter(p -> !p.equals(h.dest)).toList()) {
                String rel = h.dest.relativize(p).toString();
                int mode = h.mode(rel);
                int type = mode & 0170000;
                assertThat(type).as("type of %s", rel).isIn(S_IFDIR, S_IFREG, S_IFLNK);
                if (type == S_IFLNK && !planted.contains(rel)) {
                    Path target = Files.readSymbolicLink(p);
                    assertThat(target.isAbsolute()).as("%s -> %s is relative", rel, target).isFalse();
                    // Lexically: AssertJ's Path.startsWith would resolve the links it is meant to judge.
                    assertThat(p.getParent().resolve(target).normalize().startsWith(h.dest))
                            .as("%s -> %s stays inside", rel, target).isTrue();
                } else if (type != S_IFLNK) {
                    assertThat(mode & 06000).as("setuid/setgid bits of %s", rel).isZero();
                }
            }
        }
        return o;
    }

    static boolean crcIsOfAPrefix(byte[] stream, long crc) {
        CRC32 c = new CRC32();
        if (c.getValue() == crc) {
            return true;
        }
        for (byte b : stream) {
            c.update(b);
            if (c.getValue() == crc) {
                return true;
            }
        }
        return false;
    }

    @Provide
    Arbitrary<byte[]> mutatedValidStreams() {
        return mutated(Arbitraries.of(VALID));
    }

    @Provide
    Arbitrary<byte[]> mutatedOrHostileStreams() {
        return Arbitraries.oneOf(mutatedValidStreams(), hostileStreams());
    }

    /** Flips, overwrites, inserts and deletes bytes, and cuts the stream short, one to four times. */
    private static Arbitrary<byte[]> mutated(Arbitrary<byte[]> base) {
        Arbitrary<int[]> mutation = Combinators.combine(
                Arbitraries.integers().between(0, 4),
                Arbitraries.integers().between(0, Integer.MAX_VALUE),
                Arbitraries.integers().between(0, 255)).as((kind, at, value) -> new int[] {kind, at, value});
        return Combinators.combine(base, mutation.list().ofMinSize(1).ofMaxSize(4)).as((stream, mutations) -> {
            byte[] s = stream;
            for (int[] m : mutations) {
                s = mutate(s, m[0], m[1], (byte) m[2]);
            }
            return s;
        });
    }

    private static byte[] mutate(byte[] s, int kind, int at, byte value) {
        if (s.length == 0) {
            return new byte[] {value};
        }
        int i = at % s.length;
        byte[] out;
        switch (kind) {
            case 0 -> {
                out = s.clone();
                out[i] ^= (byte) (1 << (value & 7));
            }
            case 1 -> {
                out = s.clone();
                out[i] = value;
            }
            case 2 -> {
                out = new byte[s.length + 1];
                System.arraycopy(s, 0, out, 0, i);
                out[i] = value;
                System.arraycopy(s, i, out, i + 1, s.length - i);
            }
            case 3 -> {
                out = new byte[s.length - 1];
                System.arraycopy(s, 0, out, 0, i);
                System.arraycopy(s, i + 1, out, i, s.length - i - 1);
            }
            default -> out = Arrays.copyOf(s, i);
        }
        return out;
    }

    /** Entries made from a hostile vocabulary, with lying lengths, odd types, setuid modes and bad times. */
    @Provide
    Arbitrary<byte[]> hostileStreams() {
        Arbitrary<String> name = joined(COMPONENT);
        Arbitrary<String> target = joined(TARGET_PART);
        Arbitrary<Integer> type = Arbitraries.frequency(Tuple.of(8, S_IFDIR), Tuple.of(6, S_IFREG),
                Tuple.of(6, S_IFLNK), Tuple.of(1, S_IFIFO), Tuple.of(1, 0));
        Arbitrary<Integer> perms = Arbitraries.of(0755, 0644, 0700, 04755, 02755, 07777, 0);
        Arbitrary<byte[]> content = Arbitraries.bytes().array(byte[].class).ofMaxSize(48);
        // Mostly honest lengths and times, so entries get past framing to the file system.
        Arbitrary<Long> lie = Arbitraries.frequencyOf(Tuple.of(20, Arbitraries.just(0L)),
                Tuple.of(1, Arbitraries.longs().between(-3, 3)), Tuple.of(1, Arbitraries.longs()));
        Arbitrary<Long> nsec = Arbitraries.frequency(Tuple.of(16, 0L), Tuple.of(2, 999_999_999L),
                Tuple.of(1, 1_000_000_000L));
        Arbitrary<byte[]> entry = Combinators.combine(type, perms, name, target, content, lie, lie, nsec)
                .as((t, p, n, tg, c, nameLie, lenLie, ns) -> {
                    byte[] nameBytes = StreamBuilder.nul(n);
                    byte[] body = t == S_IFLNK ? utf8(tg) : t == S_IFREG ? c : new byte[0];
                    long namelen = Math.max(0, nameBytes.length + (nameLie % 2));
                    FileHeader h = new FileHeader(namelen, t | p, body.length + lenLie, 1, ns, 2, 0);
                    return new StreamBuilder().raw(h, nameBytes, body).bytes();
                });
        return Combinators.combine(entry.list().ofMinSize(1).ofMaxSize(10), Arbitraries.integers().between(0, 3),
                        Arbitraries.integers().between(0, 4))
                .as((entries, scaffold, ending) -> {
                    StreamBuilder s = new StreamBuilder();
                    if (scaffold > 0) {
                        s.bytes(SCAFFOLD);
                    }
                    entries.forEach(s::bytes);
                    // Four times in five a proper end marker, else a stream that just stops.
                    return ending > 0 ? s.end().bytes() : s.bytes();
                });
    }

    /** One to three parts joined with '/', sometimes with a leading '/'. */
    private static Arbitrary<String> joined(Arbitrary<String> part) {
        return Combinators.combine(part.list().ofMinSize(1).ofMaxSize(3),
                        Arbitraries.integers().between(0, 9))
                .as((list, lead) -> (lead == 0 && list.size() > 1 ? "/" : "") + String.join("/", list));
    }
}
