package dev.airlock.filecopy;

import dev.airlock.sys.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where a receiver's answer is a matter of choice, airlock answers as Qubes' {@code qfile-unpacker} does
 * (qrexec-lib {@code unpack.c}): Qubes' own streams (fixtures/qubes-filecopy) are fed to the receiver over a
 * destination that already holds something, or cut short, and the reply must be the one Qubes sends, byte for byte,
 * with the exit status Qubes' program would have.
 */
class QubesReceiverAnswersTest {
    private static final int HEADER = 32;

    private static byte[] stream(String fixture) throws IOException {
        return Files.readAllBytes(FixtureInteropTest.fixtures().resolve(fixture).resolve("stream.bin"));
    }

    /** What Qubes sends when it stops after reading the first {@code read} bytes. */
    private static byte[] qubesReply(int code, byte[] stream, int read, String lastName) {
        CRC32 crc = new CRC32();
        crc.update(stream, 0, read);
        return new Reply(code, crc.getValue(), lastName == null ? null : lastName.getBytes(StandardCharsets.UTF_8))
                .encode();
    }

    private static Reply receive(Path dest, byte[] stream, Channels2.Capture replyOut) throws IOException {
        return Unpacker.receive(dest, Channels.newChannel(new java.io.ByteArrayInputStream(stream)), replyOut,
                Unpacker.Options.defaults());
    }

    @Test
    void directoryArrivingOverAnExistingFileIsNotADirectoryAsInQubes(@TempDir Path tmp) throws IOException {
        Path dest = Files.createDirectories(tmp.resolve("in"));
        Files.writeString(dest.resolve("s"), "the user's file");
        byte[] stream = stream("link");
        Channels2.Capture out = new Channels2.Capture();

        Reply r = receive(dest, stream, out);

        assertThat(r.errorCode()).isEqualTo(Errno.ENOTDIR);
        assertThat(out.toByteArray()).isEqualTo(qubesReply(Errno.ENOTDIR, stream, HEADER + "s\0".length(), "s"));
        assertThat(dest.resolve("s")).hasContent("the user's file");
        assertThat(FilecopyErrors.exitStatus(r.errorCode())).isEqualTo(20);
    }

    @Test
    void directoryArrivingOverAPlantedSymlinkIsNotADirectoryAndNotFollowed(@TempDir Path tmp) throws IOException {
        Path dest = Files.createDirectories(tmp.resolve("in"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(dest.resolve("s"), outside);
        byte[] stream = stream("link");
        Channels2.Capture out = new Channels2.Capture();

        Reply r = receive(dest, stream, out);

        assertThat(out.toByteArray()).isEqualTo(qubesReply(Errno.ENOTDIR, stream, HEADER + "s\0".length(), "s"));
        assertThat(r.errorCode()).isEqualTo(Errno.ENOTDIR);
        try (var left = Files.list(outside)) {
            assertThat(left).isEmpty();
        }
        assertThat(Files.isSymbolicLink(dest.resolve("s"))).isTrue();
    }

    @Test
    void streamCutInsideANameIsLegalEofWithoutANameAsInQubes(@TempDir Path tmp) throws IOException {
        Path dest = tmp.resolve("in");
        byte[] whole = stream("single");
        byte[] cut = Arrays.copyOf(whole, HEADER + 3);
        Channels2.Capture out = new Channels2.Capture();

        Reply r = receive(dest, cut, out);

        // Qubes' read of the name fails as a whole: only the header is in the checksum, and no name is reported.
        assertThat(out.toByteArray()).isEqualTo(qubesReply(FilecopyErrors.LEGAL_EOF, cut, HEADER, null));
        assertThat(r.errorCode()).isEqualTo(FilecopyErrors.LEGAL_EOF);
        assertThat(FilecopyErrors.exitStatus(r.errorCode())).isEqualTo(118);
        try (var left = Files.list(dest)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void streamCutInsideABodyIsLegalEofNamingTheFileAsInQubes(@TempDir Path tmp) throws IOException {
        Path dest = tmp.resolve("in");
        byte[] cut = Arrays.copyOf(stream("single"), HEADER + "hello.txt\0".length() + 2);
        Channels2.Capture out = new Channels2.Capture();

        Reply r = receive(dest, cut, out);

        assertThat(out.toByteArray()).isEqualTo(qubesReply(FilecopyErrors.LEGAL_EOF, cut, cut.length, "hello.txt"));
        assertThat(r.errorCode()).isEqualTo(FilecopyErrors.LEGAL_EOF);
        assertThat(Files.exists(dest.resolve("hello.txt"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void anyFailureOnTheWayNamesOnlyThatComponentAsInQubes(@TempDir Path tmp) throws IOException {
        // Qubes' walk to the parent ends at the first openat that fails, whatever the errno, naming that segment.
        String longComponent = "c".repeat(256);
        String name = "ok/" + longComponent + "/x";
        Path dest = Files.createDirectories(tmp.resolve("in"));
        Files.createDirectory(dest.resolve("ok"));
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(HEADER).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putInt(nameBytes.length).putInt(0100644).putLong(1);
        byte[] stream = new byte[HEADER + nameBytes.length + 1];
        System.arraycopy(header.array(), 0, stream, 0, HEADER);
        System.arraycopy(nameBytes, 0, stream, HEADER, nameBytes.length);
        Channels2.Capture out = new Channels2.Capture();

        Reply r = receive(dest, stream, out);

        assertThat(r.errorCode()).isEqualTo(Errno.ENAMETOOLONG);
        assertThat(out.toByteArray()).isEqualTo(qubesReply(Errno.ENAMETOOLONG, stream, HEADER + nameBytes.length,
                longComponent));
    }

    @Test
    void exitStatusIsTheLowByteOfTheErrorCodeAsQubesExitsWithIt() {
        assertThat(FilecopyErrors.exitStatus(0)).isZero();
        assertThat(FilecopyErrors.exitStatus(Errno.EEXIST)).isEqualTo(17);
        assertThat(FilecopyErrors.exitStatus(Errno.EILSEQ)).isEqualTo(84);
        assertThat(FilecopyErrors.exitStatus(Errno.ENOLINK)).isEqualTo(67);
        assertThat(FilecopyErrors.exitStatus(Errno.EREMOTEIO)).isEqualTo(121);
        assertThat(FilecopyErrors.exitStatus(FilecopyErrors.LEGAL_EOF)).isEqualTo(118);
    }

    @Test
    void senderExplainsAComponentNamedAloneWithoutCallingItAFile() {
        assertThat(FilecopyErrors.describe(Errno.ENOTDIR, "ln")).contains("\"ln\"").contains("not a folder");
        assertThat(FilecopyErrors.describe(Errno.ENOENT, "missing")).contains("no folder \"missing\"");
    }

    @Test
    void failureWhoseLowByteIsZeroNeverExitsAsSuccess() {
        assertThat(FilecopyErrors.exitStatus(0x100)).isEqualTo(1);
    }
}
