package dev.airlock.filecopy;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static dev.airlock.filecopy.StreamBuilder.utf8;
import static dev.airlock.sys.Errno.EACCES;
import static dev.airlock.sys.Errno.EILSEQ;
import static dev.airlock.sys.Errno.ENOENT;
import static dev.airlock.sys.Errno.ENOTDIR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The destination folder a sender may ask for (qubes-issues #930): below its own incoming folder, or in a folder
 * of the receiver's home that the receiver listed; never anywhere else, whatever the request looks like.
 */
class DestinationFolderTest {
    private static final byte[] NEW = utf8("from the sender\n");

    @TempDir
    Path tmp;
    Path home;
    Path outside;
    Path incoming;

    @BeforeEach
    void setUp() throws IOException {
        home = Files.createDirectory(tmp.resolve("home"));
        Files.createDirectory(home.resolve("QubesIncoming"));
        incoming = home.resolve("QubesIncoming/work");
        outside = Files.createDirectory(tmp.resolve("outside"));
        Files.write(outside.resolve("canary"), utf8("unchanged"));
    }

    private Reply send(String to, List<String> allowed) throws IOException {
        byte[] stream = NameConflictTest.preamble(new StreamBuilder(), "report\nto " + to + "\n")
                .file("a.txt", 0644, NEW).end().bytes();
        return Unpacker.receive(Destinations.forDomain(home, "work", allowed),
                Channels.newChannel(new ByteArrayInputStream(stream)),
                Channels.newChannel(new ByteArrayOutputStream()), NameConflictTest.receiver(ConflictMode.FAIL));
    }

    /** Every regular file under {@code dir}, relative. */
    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    private void assertNothingArrived() throws IOException {
        assertThat(files(home)).isEmpty();
        assertThat(files(outside)).containsExactly("canary");
        assertThat(Files.readAllBytes(outside.resolve("canary"))).isEqualTo(utf8("unchanged"));
    }

    @Test
    void requestedSubfolderIsCreatedBelowTheSendersIncomingFolder() throws IOException {
        Reply r = send("inbox/2026", List.of());
        assertThat(r.errorCode()).isZero();
        assertThat(files(home)).containsExactly("QubesIncoming/work/inbox/2026/a.txt");
    }

    @Test
    void dotDotInTheRequestedFolderCannotClimbOut() throws IOException {
        for (String to : List.of("..", "../../outside", "inbox/../..", "~/../outside", "~/Documents/../..")) {
            Reply r = send(to, List.of("Documents"));
            assertThat(r.errorCode()).as(to).isIn(EILSEQ, EACCES);
            assertThat(r.lastNameText()).as(to).isEqualTo(to);
        }
        assertNothingArrived();
    }

    @Test
    void absoluteRequestedFolderIsRefused() throws IOException {
        for (String to : List.of(outside.toString(), "/", "~/" + outside, "~//Documents")) {
            assertThat(send(to, List.of("Documents")).errorCode()).as(to).isEqualTo(EILSEQ);
        }
        assertNothingArrived();
    }

    @Test
    void symlinkInTheReceiversIncomingFolderIsNotFollowed() throws IOException {
        Files.createDirectories(incoming);
        Files.createSymbolicLink(incoming.resolve("inbox"), outside);
        Reply r = send("inbox/2026", List.of());
        assertThat(r.errorCode()).isEqualTo(ENOTDIR);
        assertThat(Files.exists(outside.resolve("2026"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertNothingArrived();
    }

    @Test
    void homeFolderTheReceiverDidNotListIsRefused() throws IOException {
        Files.createDirectory(home.resolve("Documents"));
        Files.createDirectory(home.resolve("Doc"));
        assertThat(send("~/Documents", List.of()).errorCode()).isEqualTo(EACCES);
        assertThat(send("~/Documents", List.of("Doc")).errorCode()).as("a listed prefix that is not a component")
                .isEqualTo(EACCES);
        assertThat(send("~/Doc", List.of("Doc/inbox")).errorCode()).as("above the listed folder")
                .isEqualTo(EACCES);
        assertNothingArrived();
    }

    @Test
    void listedHomeFolderAndFoldersBelowItReceiveTheFiles() throws IOException {
        Files.createDirectory(home.resolve("Documents"));
        assertThat(send("~/Documents", List.of("Documents")).errorCode()).isZero();
        assertThat(send("~/Documents/inbox/2026", List.of("Documents")).errorCode()).isZero();
        assertThat(files(home)).containsExactly("Documents/a.txt", "Documents/inbox/2026/a.txt");
    }

    @Test
    void missingListedFolderIsNotCreatedByTheSender() throws IOException {
        assertThat(send("~/Documents/x", List.of("Documents")).errorCode()).isEqualTo(ENOENT);
        assertThat(home.resolve("Documents")).doesNotExist();
    }

    @Test
    void symlinkInsideAListedFolderIsNotFollowed() throws IOException {
        Files.createDirectory(home.resolve("Documents"));
        Files.createSymbolicLink(home.resolve("Documents/escape"), outside);
        assertThat(send("~/Documents/escape", List.of("Documents")).errorCode()).isEqualTo(ENOTDIR);
        assertThat(send("~/Documents/escape/deeper", List.of("Documents")).errorCode()).isEqualTo(ENOTDIR);
        assertNothingArrived();
    }

    @Test
    void listedFolderThatIsASymlinkIsNotFollowed() throws IOException {
        Files.createSymbolicLink(home.resolve("Documents"), outside);
        assertThat(send("~/Documents", List.of("Documents")).errorCode()).isEqualTo(ENOTDIR);
        assertNothingArrived();
    }

    @Test
    void receiverCannotListItsHomeOrAHiddenFolderSoNoCopyReachesItsSettings() {
        for (String folder : List.of("", ".", ".config", ".config/airlock", "a/.ssh", "..", "/etc", "a//b")) {
            assertThatThrownBy(() -> Destinations.allowedFolderCheck(folder)).as(folder)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
