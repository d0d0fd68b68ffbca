package dev.airlock.filecopy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.airlock.filecopy.UnpackHarness.Feed;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of both ends of {@code qubes.Filecopy} (issue 17). The unpacker receives whatever bytes
 * the fuzzer makes into a scratch destination next to an {@code outside} folder; after each input the scratch root
 * is scanned: nothing changed outside, no temporary (partial) file left, only directories, plain files and
 * contained links, and the receiver's limits held. The reply reader (the sender's side) decodes whatever a hostile
 * receiver answers: only {@link TransferException} may escape, what it accepts re-encodes to the bytes it read,
 * and a conflict report stays within its limits.
 */
class FilecopyFuzzTest {
    /** The limits of the limited receiver; the fuzzer's first byte picks it or an unlimited one. */
    private static final long MAX_BYTES = 20_000;
    private static final long MAX_FILES = 40;

    @FuzzTest(maxDuration = "10m")
    void unpack(byte[] data) throws IOException {
        int flags = data.length == 0 ? 0 : data[0];
        byte[] stream = data.length == 0 ? data : Arrays.copyOfRange(data, 1, data.length);
        boolean limited = (flags & 1) != 0;
        boolean extensions = (flags & 2) != 0;
        boolean plant = (flags & 4) != 0;
        ConflictMode conflicts = ConflictMode.values()[((flags >> 3) & 0xff) % ConflictMode.values().length];
        // allowAllNames stays off: a name that is not UTF-8 cannot be named through java.nio.file, so the scan of
        // the scratch root could not check it (the character rules themselves are NameRulesTest's).
        Unpacker.Options options = new Unpacker.Options(false, limited ? MAX_BYTES : 0,
                limited ? MAX_FILES : 0, conflicts, extensions);
        Path root = Files.createTempDirectory("airlock-jazzer-");
        try {
            UnpackHarness h = UnpackHarness.create(root, (flags & 128) != 0 ? Feed.SPLIT : Feed.WHOLE);
            if (plant) {
                Files.createSymbolicLink(h.dest.resolve("ln"), Path.of("../outside"));
            }
            UnpackerFuzzTest.check(h, h.receive(stream, options), plant ? Set.of("ln") : Set.of());
            if (limited) {
                assertLimits(h.dest);
            }
        } finally {
            UnpackHarness.deleteTree(root);
        }
    }

    /** What the limited receiver kept: never more entries or content bytes than it allows. */
    private static void assertLimits(Path dest) throws IOException {
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(dest)) {
            entries = walk.filter(p -> !p.equals(dest)).toList();
        }
        long bytes = 0;
        for (Path p : entries) {
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                bytes += Files.size(p);
            }
        }
        assertThat(entries).as("entries kept by a receiver limited to %d", MAX_FILES)
                .hasSizeLessThanOrEqualTo((int) MAX_FILES);
        assertThat(bytes).as("content bytes kept by a receiver limited to %d", MAX_BYTES).isLessThanOrEqualTo(MAX_BYTES);
    }

    @FuzzTest(maxDuration = "10m")
    void reply(byte[] data) throws IOException {
        boolean report = data.length > 0 && (data[0] & 1) != 0;
        byte[] answer = data.length == 0 ? data : Arrays.copyOfRange(data, 1, data.length);
        Reply reply;
        try {
            reply = ReplyReader.read(Channels.newChannel(new java.io.ByteArrayInputStream(answer)), report);
        } catch (TransferException refused) {
            return;
        }
        assertThat(reply.crc32() >>> 32).as("CRC wider than 32 bits").isZero();
        if (reply.lastName() != null) {
            assertThat(reply.lastName().length).isLessThanOrEqualTo(Reply.MAX_LAST_NAME);
        }
        // The reply itself is canonical: it re-encodes to the bytes read. Not its conflict report, whose names are
        // decoded leniently on purpose (a sender's file names need not be UTF-8; the report only shows them).
        byte[] again = new Reply(reply.errorCode(), reply.crc32(), reply.lastName()).encode();
        assertThat(again.length).as("re-encoded reply length").isLessThanOrEqualTo(answer.length);
        assertThat(ByteBuffer.wrap(answer, 0, again.length)).as("the reply re-encodes to the bytes read")
                .isEqualTo(ByteBuffer.wrap(again));
        ConflictReport conflicts = reply.conflicts();
        if (conflicts != null) {
            assertThat(conflicts.listed()).hasSizeLessThanOrEqualTo(ConflictReport.MAX_LISTED);
            long listedBytes = 0;
            for (Conflict c : conflicts.listed()) {
                listedBytes += c.name().length() + (c instanceof Conflict.Renamed r ? r.as().length() : 0);
            }
            assertThat(listedBytes).as("characters of the listed names")
                    .isLessThanOrEqualTo(ConflictReport.MAX_LISTED_BYTES);
        }
    }
}
