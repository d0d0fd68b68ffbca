package dev.airlock.filecopy;

import dev.airlock.filecopy.UnpackHarness.Feed;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static dev.airlock.filecopy.FilecopyErrors.LEGAL_EOF;
import static dev.airlock.filecopy.StreamBuilder.ATIME;
import static dev.airlock.filecopy.StreamBuilder.ATIME_NSEC;
import static dev.airlock.filecopy.StreamBuilder.MTIME;
import static dev.airlock.filecopy.StreamBuilder.MTIME_NSEC;
import static dev.airlock.filecopy.StreamBuilder.S_IFBLK;
import static dev.airlock.filecopy.StreamBuilder.S_IFCHR;
import static dev.airlock.filecopy.StreamBuilder.S_IFDIR;
import static dev.airlock.filecopy.StreamBuilder.S_IFIFO;
import static dev.airlock.filecopy.StreamBuilder.S_IFLNK;
import static dev.airlock.filecopy.StreamBuilder.S_IFREG;
import static dev.airlock.filecopy.StreamBuilder.S_IFSOCK;
import static dev.airlock.filecopy.StreamBuilder.header;
import static dev.airlock.filecopy.StreamBuilder.nul;
import static dev.airlock.filecopy.StreamBuilder.utf8;
import static dev.airlock.sys.Errno.EDQUOT;
import static dev.airlock.sys.Errno.EEXIST;
import static dev.airlock.sys.Errno.EILSEQ;
import static dev.airlock.sys.Errno.EINVAL;
import static dev.airlock.sys.Errno.ENAMETOOLONG;
import static dev.airlock.sys.Errno.ENOENT;
import static dev.airlock.sys.Errno.ENOLINK;
import static dev.airlock.sys.Errno.ENOTDIR;
import static dev.airlock.sys.Errno.EREMOTEIO;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile {@code qubes.Filecopy} streams against the receiver (headers, replies and name rules: {@code FileHeader},
 * {@code Reply}, {@code NameRules}). Every case checks the reply (code, last name, CRC over exactly the bytes the
 * receiver had to read, wire form), that nothing outside the destination changed, and what the destination holds
 * afterwards (hidden files included). Each case runs twice: with the stream in as few reads as possible and in reads of
 * 1 to 7 bytes, with the same expectations, so framing cannot depend on how the input is split.
 *
 * <p>What the CRC covers, from the code and spec section 2 ("every byte the receiver read"): the checks on a
 * regular file (name, limits, parent, existing name) come before its body is read, so a refused file's CRC ends
 * after its name; a symlink's target is read before it is checked, so a refused target is inside the CRC (a target
 * refused for its length is not read). On truncation, the body bytes that did arrive are in the CRC; a partial
 * header, name or target is not (it is never handed out, as in Qubes' {@code read_all_with_crc}).
 */
@ParameterizedClass(name = "{0} reads")
@EnumSource(Feed.class)
class HostileStreamTest {
    private static final byte[] EVIL = utf8("planted by a hostile sender\n");
    private static final Unpacker.Options ALL_NAMES = new Unpacker.Options(true, 0, 0);
    private static final int HEADER = FileHeader.SIZE;

    @Parameter
    Feed feed;

    @TempDir
    Path tmp;

    private UnpackHarness h;

    @BeforeEach
    void setUp() throws IOException {
        h = UnpackHarness.create(tmp, feed);
    }

    /** A stream whose last entry is a file named {@code name} with body {@link #EVIL}, then the end marker. */
    private static StreamBuilder evilFile(StreamBuilder s, String name) {
        return s.file(name, 0644, EVIL);
    }

    /** Bytes up to and including the name of a file entry that was just appended with body {@link #EVIL}. */
    private static int upToBody(StreamBuilder s) {
        return s.size() - EVIL.length;
    }

    // ---------------------------------------------------------------- path forms (always EILSEQ, never lifted)

    @Test
    void emptyNameCannotAliasTheDestinationItself() throws IOException {
        StreamBuilder s = evilFile(new StreamBuilder(), "");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EILSEQ, "", read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void absoluteNameCannotWriteOutsideDestination() throws IOException {
        String name = h.outside.resolve("evil").toString();
        StreamBuilder s = evilFile(new StreamBuilder(), name);
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EILSEQ, name, read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void absoluteNameIsRefusedEvenWithAllowAllNames() throws IOException {
        String name = h.outside.resolve("evil").toString();
        StreamBuilder s = evilFile(new StreamBuilder(), name);
        int read = upToBody(s);
        h.receive(s.end().bytes(), ALL_NAMES).refused(EILSEQ, name, read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void dotNameCannotAliasTheDestination() throws IOException {
        StreamBuilder s = new StreamBuilder().dir(".", 0777);
        int read = s.size();
        h.receive(s.dir(".", 0777).end().bytes()).refused(EILSEQ, ".", read);
        assertThat(h.tree()).isEmpty();
        assertThat(h.mode("")).isEqualTo(S_IFDIR | 0700);
    }

    @Test
    void dotDotNameCannotNameTheDestinationsParent() throws IOException {
        StreamBuilder s = new StreamBuilder().dir("..", 0777);
        int read = s.size();
        h.receive(s.dir("..", 0777).end().bytes()).refused(EILSEQ, "..", read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void dotDotComponentCannotClimbOut() throws IOException {
        StreamBuilder s = evilFile(new StreamBuilder(), "../outside/evil");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EILSEQ, "../outside/evil", read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void dotDotComponentIsRefusedEvenWithAllowAllNames() throws IOException {
        StreamBuilder s = evilFile(new StreamBuilder(), "../outside/evil");
        int read = upToBody(s);
        h.receive(s.end().bytes(), ALL_NAMES).refused(EILSEQ, "../outside/evil", read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void dotDotAfterARealDirectoryCannotClimbOut() throws IOException {
        StreamBuilder s = evilFile(new StreamBuilder().dir("a", 0755), "a/../../outside/evil");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EILSEQ, "a/../../outside/evil", read);
        assertThat(h.tree()).containsExactly("a/");
    }

    @Test
    void trailingDotDotCannotNameTheParentDirectory() throws IOException {
        StreamBuilder s = new StreamBuilder().dir("a", 0755).dir("a/..", 0777);
        int read = s.size();
        h.receive(s.end().bytes()).refused(EILSEQ, "a/..", read);
        assertThat(h.tree()).containsExactly("a/");
        assertThat(h.mode("")).isEqualTo(S_IFDIR | 0700);
    }

    @Test
    void doubleSlashCannotSmuggleAnEmptyComponent() throws IOException {
        StreamBuilder s = evilFile(new StreamBuilder().dir("a", 0755), "a//b");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EILSEQ, "a//b", read);
        assertThat(h.tree()).containsExactly("a/");
    }

    @Test
    void leadingDotComponentCannotAliasTheDestination() throws IOException {
        StreamBuilder s = evilFile(new StreamBuilder(), "./a");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EILSEQ, "./a", read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void innerDotComponentCannotAliasItsParent() throws IOException {
        StreamBuilder s = evilFile(new StreamBuilder().dir("a", 0755), "a/./b");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EILSEQ, "a/./b", read);
        assertThat(h.tree()).containsExactly("a/");
    }

    @Test
    void trailingSlashCannotDisguiseAFileAsADirectory() throws IOException {
        StreamBuilder s = evilFile(new StreamBuilder(), "a/");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EILSEQ, "a/", read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void embeddedNulCannotTruncateTheNameTheKernelSees() throws IOException {
        byte[] name = utf8("safe\0/../../outside/evil");
        StreamBuilder s = new StreamBuilder()
                .raw(header(S_IFREG | 0644, name.length + 1, EVIL.length), Arrays.copyOf(name, name.length + 1), EVIL);
        int read = upToBody(s);
        h.receive(s.end().bytes(), ALL_NAMES).replied(EILSEQ, name, read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void nameWithoutTerminatingNulIsCorruptData() throws IOException {
        byte[] name = utf8("report.pdf");
        StreamBuilder s = new StreamBuilder().raw(header(S_IFREG | 0644, name.length, EVIL.length), name, EVIL);
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EINVAL, "report.pdf", read);
        assertThat(h.tree()).isEmpty();
    }

    // ---------------------------------------------------------------- characters (EILSEQ, lifted by allow-all-names)

    static Stream<Arguments> forbiddenCharacters() {
        return Stream.of(
                Arguments.of("terminal escape (C0)", "\u001b[2Jinvoice.txt"),
                Arguments.of("newline (C0)", "a\nb"),
                Arguments.of("DEL", "a\u007fb"),
                Arguments.of("C1 control CSI", "a\u009b31mb"),
                Arguments.of("C1 control NEL", "a\u0085b"),
                Arguments.of("bidi right-to-left override", "invoice\u202Efdp.exe"),
                Arguments.of("bidi isolate", "a\u2066b"),
                Arguments.of("zero-width space", "pay\u200Bpal.txt"),
                Arguments.of("zero-width joiner", "a\u200Db"),
                Arguments.of("byte order mark", "\uFEFFreadme"),
                Arguments.of("emoji", "smile\uD83D\uDE00.txt"),
                Arguments.of("private use", "a\uE000b"),
                Arguments.of("ideographic space", "a\u3000b"),
                Arguments.of("no-break space", "a\u00A0b"),
                Arguments.of("line separator", "a\u2028b"),
                Arguments.of("fullwidth solidus look-alike", "a\uFF0Fb"),
                Arguments.of("division slash look-alike", "a\u2215b"),
                Arguments.of("Hangul filler (invisible letter)", "a\u3164b"),
                Arguments.of("Hebrew (right-to-left script)", "a\u05D0b"),
                Arguments.of("Arabic (right-to-left script)", "a\u0627b"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forbiddenCharacters")
    void forbiddenCharacterCannotReachTheFileSystem(String what, String name) throws IOException {
        StreamBuilder s = evilFile(new StreamBuilder(), name);
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EILSEQ, name, read);
        assertThat(h.tree()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forbiddenCharacters")
    void allowAllNamesLiftsOnlyTheCharacterCheck(String what, String name) throws IOException {
        StreamBuilder s = evilFile(new StreamBuilder(), name);
        h.receive(s.end().bytes(), ALL_NAMES).succeeded(name);
        assertThat(h.tree()).containsExactly(name);
        assertThat(h.content(name)).isEqualTo(EVIL);
    }

    @Test
    void bidiOverrideCannotDisguiseAnExecutableExtension() throws IOException {
        String name = "invoice\u202Efdp.exe";
        StreamBuilder s = evilFile(new StreamBuilder(), name);
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EILSEQ, name, read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void zeroWidthCharacterCannotMakeTwoNamesLookAlike() throws IOException {
        StreamBuilder s = new StreamBuilder().file("paypal.txt", 0644, utf8("real"));
        evilFile(s, "pay\u200Bpal.txt");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EILSEQ, "pay\u200Bpal.txt", read);
        assertThat(h.tree()).containsExactly("paypal.txt");
    }

    @Test
    void overlongUtf8CannotSmuggleASlash() throws IOException {
        byte[] name = {'a', (byte) 0xC0, (byte) 0xAF, 'b'};
        StreamBuilder s = new StreamBuilder()
                .raw(header(S_IFREG | 0644, name.length + 1, EVIL.length), Arrays.copyOf(name, name.length + 1), EVIL);
        int read = upToBody(s);
        h.receive(s.end().bytes()).replied(EILSEQ, name, read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void allowedScriptsAreReceivedUnchanged() throws IOException {
        String dir = "Ελληνικά-Кириллица";
        String file = dir + "/日本語-ひらがな-カタカナ-한국어-Ünïcödé-⠃⠗⠁⠊⠇⠇⠑.txt";
        StreamBuilder s = new StreamBuilder().dir(dir, 0755).file(file, 0644, EVIL).dir(dir, 0755);
        h.receive(s.end().bytes()).succeeded(dir);
        assertThat(h.tree()).containsExactly(dir + "/", file);
    }

    // ---------------------------------------------------------------- symlink targets (ENOLINK, last name = target)

    @Test
    void symlinkOneLevelDeepCannotClimbAboveItsTree() throws IOException {
        StreamBuilder s = new StreamBuilder().dir("s", 0755).symlink("s/ln", "../x");
        int read = s.size();
        h.receive(s.end().bytes()).refused(ENOLINK, "../x", read);
        assertThat(h.tree()).containsExactly("s/");
    }

    @Test
    void symlinkTwoLevelsDeepCannotClimbTwoLevels() throws IOException {
        StreamBuilder s = new StreamBuilder().dir("a", 0755).dir("a/b", 0755).symlink("a/b/ln", "../../x");
        int read = s.size();
        h.receive(s.end().bytes()).refused(ENOLINK, "../../x", read);
        assertThat(h.tree()).containsExactly("a/", "a/b/");
    }

    @Test
    void symlinkCannotPointOutsideTheDestination() throws IOException {
        String target = "../../../outside/" + UnpackHarness.CANARY;
        StreamBuilder s = new StreamBuilder().dir("a", 0755).dir("a/b", 0755).symlink("a/b/ln", target);
        int read = s.size();
        h.receive(s.end().bytes()).refused(ENOLINK, target, read);
        assertThat(h.tree()).containsExactly("a/", "a/b/");
    }

    @Test
    void topLevelSymlinkIsRefusedWhateverItsTarget() throws IOException {
        StreamBuilder s = new StreamBuilder().file("x", 0644, EVIL).symlink("ln", "x");
        int read = s.size();
        h.receive(s.end().bytes()).refused(ENOLINK, "x", read);
        assertThat(h.tree()).containsExactly("x");
    }

    @Test
    void absoluteSymlinkTargetIsRefused() throws IOException {
        String target = h.outside.resolve(UnpackHarness.CANARY).toString();
        StreamBuilder s = new StreamBuilder().dir("s", 0755).symlink("s/ln", target);
        int read = s.size();
        h.receive(s.end().bytes()).refused(ENOLINK, target, read);
        assertThat(h.tree()).containsExactly("s/");
    }

    @Test
    void absoluteSymlinkTargetIsRefusedEvenWithAllowAllNames() throws IOException {
        StreamBuilder s = new StreamBuilder().dir("s", 0755).symlink("s/ln", "/etc/shadow");
        int read = s.size();
        h.receive(s.end().bytes(), ALL_NAMES).refused(ENOLINK, "/etc/shadow", read);
        assertThat(h.tree()).containsExactly("s/");
    }

    @Test
    void dotDotAfterANormalComponentCannotHideAClimbThroughALink() throws IOException {
        // Lexically a/b/sub/../../x is a/x, inside the budget; but sub may be a link, so the climb is unverifiable.
        StreamBuilder s = new StreamBuilder().dir("a", 0755).dir("a/b", 0755).symlink("a/b/ln", "sub/../../x");
        int read = s.size();
        h.receive(s.end().bytes()).refused(ENOLINK, "sub/../../x", read);
        assertThat(h.tree()).containsExactly("a/", "a/b/");
    }

    @Test
    void emptySymlinkTargetIsRefused() throws IOException {
        StreamBuilder s = new StreamBuilder().dir("s", 0755).symlink("s/ln", "");
        int read = s.size();
        h.receive(s.end().bytes()).refused(ENOLINK, "", read);
        assertThat(h.tree()).containsExactly("s/");
    }

    @Test
    void forbiddenCharacterInSymlinkTargetIsRefused() throws IOException {
        String target = "x\u202Etxt.exe";
        StreamBuilder s = new StreamBuilder().dir("s", 0755).symlink("s/ln", target);
        int read = s.size();
        h.receive(s.end().bytes()).refused(EILSEQ, target, read);
        assertThat(h.tree()).containsExactly("s/");
    }

    @Test
    void nulInSymlinkTargetCannotTruncateItEvenWithAllowAllNames() throws IOException {
        String target = "ok\0/../../../outside";
        StreamBuilder s = new StreamBuilder().dir("s", 0755).symlink("s/ln", target);
        int read = s.size();
        h.receive(s.end().bytes(), ALL_NAMES).refused(EILSEQ, target, read);
        assertThat(h.tree()).containsExactly("s/");
    }

    @Test
    void symlinkTargetLongerThanTheLimitIsNotEvenRead() throws IOException {
        byte[] name = nul("s/ln");
        byte[] target = new byte[Unpacker.MAX_NAME + 1];
        Arrays.fill(target, (byte) 'a');
        StreamBuilder s = new StreamBuilder().dir("s", 0755)
                .raw(header(S_IFLNK | 0777, name.length, target.length), name, target);
        int read = s.size() - target.length;
        h.receive(s.end().bytes()).refused(ENAMETOOLONG, "s/ln", read);
        assertThat(h.tree()).containsExactly("s/");
    }

    @Test
    void symlinkTargetLengthWithTheTopBitSetIsTooLongNotNegative() throws IOException {
        byte[] name = nul("s/ln");
        StreamBuilder s = new StreamBuilder().dir("s", 0755)
                .raw(header(S_IFLNK | 0777, name.length, -1L), name, utf8("x"));
        int read = s.size() - 1;
        h.receive(s.end().bytes()).refused(ENAMETOOLONG, "s/ln", read);
        assertThat(h.tree()).containsExactly("s/");
    }

    @Test
    void symlinkWithinItsBudgetIsCreatedAsSent() throws IOException {
        StreamBuilder s = new StreamBuilder().dir("a", 0755).dir("a/b", 0755).file("a/f", 0644, EVIL)
                .symlink("a/b/ln", "../f").symlink("a/b/here", "./../f").dir("a/b", 0755).dir("a", 0755);
        h.receive(s.end().bytes()).succeeded("a");
        assertThat(h.tree()).containsExactly("a/", "a/b/", "a/b/here -> ./../f", "a/b/ln -> ../f", "a/f");
    }

    // ---------------------------------------------------------------- symlinks used as path components

    @Test
    void symlinkSentEarlierCannotRedirectLaterWrites() throws IOException {
        StreamBuilder s = new StreamBuilder().dir("s", 0755).dir("s/sub", 0755).dir("s/sub", 0755)
                .symlink("s/ln", "sub");
        evilFile(s, "s/ln/evil");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(ENOTDIR, "ln", read);
        assertThat(h.tree()).containsExactly("s/", "s/ln -> sub", "s/sub/");
    }

    @Test
    void symlinkSentEarlierCannotParentADirectory() throws IOException {
        StreamBuilder s = new StreamBuilder().dir("s", 0755).dir("s/sub", 0755).dir("s/sub", 0755)
                .symlink("s/ln", "sub").dir("s/ln/d", 0755);
        int read = s.size();
        h.receive(s.end().bytes()).refused(ENOTDIR, "ln", read);
        assertThat(h.tree()).containsExactly("s/", "s/ln -> sub", "s/sub/");
    }

    @Test
    void symlinkSentEarlierCannotBeMergedAsADirectory() throws IOException {
        StreamBuilder s = new StreamBuilder().dir("s", 0755).dir("s/sub", 0755).dir("s/sub", 0755)
                .symlink("s/ln", "sub").dir("s/ln", 0777);
        int read = s.size();
        h.receive(s.end().bytes()).refused(ENOTDIR, "s/ln", read);
        assertThat(h.tree()).containsExactly("s/", "s/ln -> sub", "s/sub/");
        assertThat(h.mode("s/sub")).isEqualTo(S_IFDIR | 0755);
    }

    @Test
    void fileCannotBeWrittenThroughASymlinkSentEarlier() throws IOException {
        StreamBuilder s = new StreamBuilder().dir("s", 0755).symlink("s/ln", "victim");
        evilFile(s, "s/ln");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EEXIST, "s/ln", read);
        assertThat(h.tree()).containsExactly("s/", "s/ln -> victim");
    }

    @Test
    void symlinkPlantedBeforeTheCopyIsNotFollowed() throws IOException {
        Files.createSymbolicLink(h.dest.resolve("d"), Path.of("../outside"));
        StreamBuilder s = evilFile(new StreamBuilder(), "d/x");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(ENOTDIR, "d", read);
        assertThat(h.tree()).containsExactly("d -> ../outside");
    }

    @Test
    void symlinkPlantedBeforeTheCopyCannotBeMergedAsADirectory() throws IOException {
        Files.createSymbolicLink(h.dest.resolve("d"), Path.of("../outside"));
        StreamBuilder s = new StreamBuilder().dir("d", 0777);
        int read = s.size();
        evilFile(s, "d/x").dir("d", 0777);
        h.receive(s.end().bytes()).refused(ENOTDIR, "d", read);
        assertThat(h.tree()).containsExactly("d -> ../outside");
    }

    @Test
    void symlinkPlantedDeepInsideThePathIsNotFollowed() throws IOException {
        Files.createDirectories(h.dest.resolve("a/b"));
        Files.createSymbolicLink(h.dest.resolve("a/b/c"), Path.of("../../../outside"));
        StreamBuilder s = evilFile(new StreamBuilder(), "a/b/c/x");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(ENOTDIR, "c", read);
        assertThat(h.tree()).containsExactly("a/", "a/b/", "a/b/c -> ../../../outside");
    }

    @Test
    void danglingSymlinkPlantedBeforeTheCopyCannotReceiveContent() throws IOException {
        Files.createSymbolicLink(h.dest.resolve("f"), Path.of("../outside/new.txt"));
        StreamBuilder s = evilFile(new StreamBuilder(), "f");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EEXIST, "f", read);
        assertThat(h.tree()).containsExactly("f -> ../outside/new.txt");
    }

    // ---------------------------------------------------------------- existing names (never overwritten)

    @Test
    void existingFileCannotBeOverwritten() throws IOException {
        byte[] original = utf8("the user's own report\n");
        Files.write(h.dest.resolve("report.txt"), original);
        StreamBuilder s = evilFile(new StreamBuilder(), "report.txt");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EEXIST, "report.txt", read);
        assertThat(h.tree()).containsExactly("report.txt");
        assertThat(h.content("report.txt")).isEqualTo(original);
    }

    @Test
    void sameNameTwiceInOneStreamCannotReplaceTheFirst() throws IOException {
        byte[] first = utf8("first");
        StreamBuilder s = new StreamBuilder().file("a", 0644, first);
        evilFile(s, "a");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EEXIST, "a", read);
        assertThat(h.tree()).containsExactly("a");
        assertThat(h.content("a")).isEqualTo(first);
    }

    @Test
    void directoryEntryCannotReplaceARegularFile() throws IOException {
        StreamBuilder s = new StreamBuilder().file("d", 0644, utf8("kept")).dir("d", 0755);
        int read = s.size();
        // Qubes' answer to a directory where a non-directory is: ENOTDIR, naming the entry.
        h.receive(s.end().bytes()).refused(ENOTDIR, "d", read);
        assertThat(h.tree()).containsExactly("d");
        assertThat(h.content("d")).isEqualTo(utf8("kept"));
    }

    @Test
    void fileEntryCannotReplaceAnExistingDirectory() throws IOException {
        Files.createDirectory(h.dest.resolve("d"));
        Files.write(h.dest.resolve("d/old"), utf8("old"));
        StreamBuilder s = evilFile(new StreamBuilder(), "d");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EEXIST, "d", read);
        assertThat(h.tree()).containsExactly("d/", "d/old");
    }

    @Test
    void existingDirectoryIsMergedWithoutLosingItsFiles() throws IOException {
        Files.createDirectory(h.dest.resolve("d"));
        Files.write(h.dest.resolve("d/old"), utf8("old"));
        StreamBuilder s = new StreamBuilder().dir("d", 0750).file("d/new", 0644, EVIL).dir("d", 0750);
        h.receive(s.end().bytes()).succeeded("d");
        assertThat(h.tree()).containsExactly("d/", "d/new", "d/old");
        assertThat(h.content("d/old")).isEqualTo(utf8("old"));
        assertThat(h.mode("d")).isEqualTo(S_IFDIR | 0750);
    }

    @Test
    void fileUnderARegularFileIsNotADirectory() throws IOException {
        StreamBuilder s = new StreamBuilder().file("f", 0644, utf8("plain"));
        evilFile(s, "f/x");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(ENOTDIR, "f", read);
        assertThat(h.tree()).containsExactly("f");
    }

    @Test
    void fileInAMissingDirectoryDoesNotCreateItsParents() throws IOException {
        StreamBuilder s = evilFile(new StreamBuilder(), "missing/x");
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(ENOENT, "missing", read);
        assertThat(h.tree()).isEmpty();
    }

    // ---------------------------------------------------------------- namelen

    @Test
    void namelenJustOverTheLimitIsRefusedBeforeTheNameIsRead() throws IOException {
        byte[] name = new byte[Unpacker.MAX_NAME + 1];
        Arrays.fill(name, (byte) 'a');
        name[name.length - 1] = 0;
        StreamBuilder s = new StreamBuilder().file("ok", 0644, utf8("ok"));
        s.raw(header(S_IFREG | 0644, name.length, 0), name, new byte[0]);
        int read = s.size() - name.length;
        // The refused entry's name was never read: the reply must not blame "ok", which arrived intact.
        h.receive(s.end().bytes()).refused(ENAMETOOLONG, null, read);
        assertThat(h.tree()).containsExactly("ok");
    }

    @Test
    void namelenOfFourGigabytesCannotWrapOrExhaustMemory() throws IOException {
        StreamBuilder s = new StreamBuilder().raw(header(S_IFREG | 0644, 0xFFFF_FFFFL, 0), new byte[0], EVIL);
        h.receive(s.end().bytes()).refused(ENAMETOOLONG, null, HEADER);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void namelenAtTheLimitIsReadInFullAndResolvedSafely() throws IOException {
        String name = "mm" + "/d".repeat((Unpacker.MAX_NAME - 3) / 2);
        assertThat(nul(name)).hasSize(Unpacker.MAX_NAME);
        StreamBuilder s = evilFile(new StreamBuilder(), name);
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(ENOENT, "mm", read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void componentLongerThanTheFileSystemAllowsIsRefused() throws IOException {
        String name = "a".repeat(256);
        StreamBuilder s = evilFile(new StreamBuilder(), name);
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(ENAMETOOLONG, name, read);
        assertThat(h.tree()).isEmpty();
    }

    // ---------------------------------------------------------------- filelen and truncation

    @Test
    void truncatedBodyLeavesNoPartialFile() throws IOException {
        StreamBuilder s = new StreamBuilder().file("kept", 0644, utf8("complete")).file("partial", 0644, EVIL);
        byte[] stream = s.truncatedAt(s.size() - 5);
        // Every body byte that arrived was read: the CRC covers the whole truncated stream.
        h.receive(stream).refused(LEGAL_EOF, "partial", stream.length);
        assertThat(h.tree()).containsExactly("kept");
    }

    @Test
    void truncatedZeroFilledBodyLeavesNoSparseRemains() throws IOException {
        StreamBuilder s = new StreamBuilder().file("holes", 0644, new byte[40_000]);
        byte[] stream = s.truncatedAt(s.size() - 10_000);
        h.receive(stream).refused(LEGAL_EOF, "holes", stream.length);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void zeroFilledBodyKeepsItsFullLength() throws IOException {
        byte[] zeros = new byte[40_000];
        StreamBuilder s = new StreamBuilder().file("holes", 0644, zeros);
        h.receive(s.end().bytes()).succeeded("holes");
        assertThat(h.content("holes")).isEqualTo(zeros);
    }

    @Test
    void filelenBeyondTheStreamIsLegalEofNotAHang() throws IOException {
        byte[] name = nul("big");
        StreamBuilder s = new StreamBuilder().raw(header(S_IFREG | 0644, name.length, Long.MAX_VALUE), name, EVIL);
        byte[] stream = s.bytes();
        h.receive(stream).refused(LEGAL_EOF, "big", stream.length);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void filelenAboveLongMaxIsQuotaNotNegative() throws IOException {
        byte[] name = nul("huge");
        StreamBuilder s = new StreamBuilder().raw(header(S_IFREG | 0644, name.length, Long.MIN_VALUE), name, EVIL);
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EDQUOT, "huge", read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void filelenOfAllOnesIsQuotaNotMinusOne() throws IOException {
        byte[] name = nul("huge");
        StreamBuilder s = new StreamBuilder().raw(header(S_IFREG | 0644, name.length, -1L), name, EVIL);
        int read = upToBody(s);
        h.receive(s.end().bytes(), new Unpacker.Options(false, 1000, 0)).refused(EDQUOT, "huge", read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void emptyStreamIsRemoteErrorWithoutAName() throws IOException {
        h.receive(new byte[0]).refused(EREMOTEIO, null, 0);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void truncationInsideAHeaderKeepsEarlierFiles() throws IOException {
        StreamBuilder s = new StreamBuilder().file("done", 0644, utf8("complete"));
        int read = s.size();
        s.file("next", 0644, EVIL);
        byte[] stream = s.truncatedAt(read + 17);
        h.receive(stream).refused(EREMOTEIO, "done", read);
        assertThat(h.tree()).containsExactly("done");
        assertThat(h.content("done")).isEqualTo(utf8("complete"));
    }

    @Test
    void truncationInsideANameIsLegalEofWithoutANameAsInQubes() throws IOException {
        StreamBuilder s = new StreamBuilder().file("done", 0644, utf8("complete"));
        int read = s.size() + HEADER;
        s.file("next-name", 0644, EVIL);
        byte[] stream = s.truncatedAt(read + 4);
        // Qubes' receiver treats a cut inside a name like one inside a body, and names nothing: the partial name
        // was never accepted, and the previous entry arrived intact.
        h.receive(stream).refused(LEGAL_EOF, null, read);
        assertThat(h.tree()).containsExactly("done");
    }

    @Test
    void truncationInsideASymlinkTargetCreatesNoLink() throws IOException {
        StreamBuilder s = new StreamBuilder().dir("s", 0755).symlink("s/ln", "target");
        int read = s.size() - "target".length();
        byte[] stream = s.truncatedAt(read + 3);
        h.receive(stream).refused(LEGAL_EOF, "s/ln", read);
        assertThat(h.tree()).containsExactly("s/");
    }

    @Test
    void missingEndMarkerKeepsCompleteFilesButIsRemoteError() throws IOException {
        StreamBuilder s = new StreamBuilder().file("a", 0644, utf8("A")).dir("d", 0755).file("d/b", 0600, utf8("B"))
                .dir("d", 0755);
        byte[] stream = s.bytes();
        h.receive(stream).refused(EREMOTEIO, "d", stream.length);
        assertThat(h.tree()).containsExactly("a", "d/", "d/b");
        assertThat(h.content("d/b")).isEqualTo(utf8("B"));
    }

    @Test
    void bytesAfterTheEndMarkerAreNeverUnpacked() throws IOException {
        StreamBuilder s = new StreamBuilder().file("a", 0644, utf8("A")).end();
        int read = s.size();
        evilFile(s, "smuggled").end();
        h.receive(s.bytes()).replied(0, utf8("a"), read);
        assertThat(h.tree()).containsExactly("a");
    }

    @Test
    void endMarkerIsRecognisedByNamelenAlone() throws IOException {
        StreamBuilder s = new StreamBuilder().file("a", 0644, utf8("A"))
                .raw(new FileHeader(0, S_IFREG | 0644, EVIL.length, 1, 2, 3, 4), new byte[0], new byte[0]);
        int read = s.size();
        s.bytes(EVIL);
        h.receive(s.bytes()).replied(0, utf8("a"), read);
        assertThat(h.tree()).containsExactly("a");
    }

    // ---------------------------------------------------------------- types, bodies, times, modes

    static Stream<Arguments> specialFileTypes() {
        return Stream.of(
                Arguments.of("fifo", S_IFIFO),
                Arguments.of("character device", S_IFCHR),
                Arguments.of("block device", S_IFBLK),
                Arguments.of("socket", S_IFSOCK),
                Arguments.of("no type bits", 0),
                Arguments.of("undefined type 0170000", 0170000));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specialFileTypes")
    void specialFileTypeCannotBeCreated(String what, int type) throws IOException {
        byte[] name = nul("dev");
        StreamBuilder s = new StreamBuilder().raw(header(type | 0666, name.length, 0), name, new byte[0]);
        int read = s.size();
        h.receive(s.end().bytes()).refused(EINVAL, "dev", read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void characterDeviceCannotBeCreatedInAReceivedDirectory() throws IOException {
        byte[] name = nul("d/null");
        StreamBuilder s = new StreamBuilder().dir("d", 0755)
                .raw(header(S_IFCHR | 0666, name.length, 0), name, new byte[0]);
        int read = s.size();
        h.receive(s.end().bytes()).refused(EINVAL, "d/null", read);
        assertThat(h.tree()).containsExactly("d/");
    }

    @Test
    void directoryWithABodyCannotSmuggleBytes() throws IOException {
        byte[] name = nul("d");
        StreamBuilder s = new StreamBuilder().raw(header(S_IFDIR | 0755, name.length, EVIL.length), name, EVIL);
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EINVAL, "d", read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void atimeNanosecondsOfOneSecondAreCorrupt() throws IOException {
        byte[] name = nul("f");
        StreamBuilder s = new StreamBuilder()
                .raw(new FileHeader(name.length, S_IFREG | 0644, EVIL.length, ATIME, 1_000_000_000L, MTIME, 0),
                        name, EVIL);
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EINVAL, "f", read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void mtimeNanosecondsCannotSmuggleTheUtimeNowSentinel() throws IOException {
        byte[] name = nul("f");
        long utimeNow = (1L << 30) - 1;
        StreamBuilder s = new StreamBuilder()
                .raw(new FileHeader(name.length, S_IFREG | 0644, EVIL.length, ATIME, 0, MTIME, utimeNow), name, EVIL);
        int read = upToBody(s);
        h.receive(s.end().bytes()).refused(EINVAL, "f", read);
        assertThat(h.tree()).isEmpty();
    }

    @Test
    void nanosecondsJustBelowOneSecondAreAccepted() throws IOException {
        byte[] name = nul("f");
        StreamBuilder s = new StreamBuilder().raw(
                new FileHeader(name.length, S_IFREG | 0644, EVIL.length, ATIME, 999_999_999L, MTIME, 999_999_999L),
                name, EVIL);
        h.receive(s.end().bytes()).succeeded("f");
        assertThat(Files.getLastModifiedTime(h.dest.resolve("f"), LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(FileTime.from(Instant.ofEpochSecond(MTIME, 999_999_999L)));
    }

    @Test
    void timesAfter2038AreUnsignedNotBeforeTheEpoch() throws IOException {
        byte[] name = nul("f");
        StreamBuilder s = new StreamBuilder().raw(
                new FileHeader(name.length, S_IFREG | 0644, EVIL.length, ATIME, 0, 0xFFFF_FFFFL, 0), name, EVIL);
        h.receive(s.end().bytes()).succeeded("f");
        assertThat(Files.getLastModifiedTime(h.dest.resolve("f"), LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(FileTime.from(Instant.ofEpochSecond(0xFFFF_FFFFL)));
    }

    @Test
    void directoryTimesWithBadNanosecondsAreCorrupt() throws IOException {
        byte[] name = nul("d");
        StreamBuilder s = new StreamBuilder().dir("d", 0755)
                .raw(new FileHeader(name.length, S_IFDIR | 0755, 0, ATIME, 0, MTIME, 0xFFFF_FFFFL), name, new byte[0]);
        int read = s.size();
        h.receive(s.end().bytes()).refused(EINVAL, "d", read);
        assertThat(h.tree()).containsExactly("d/");
        assertThat(h.mode("d")).isEqualTo(S_IFDIR | 0700);
    }

    @Test
    void setuidBitCannotBePlantedOnAReceivedFile() throws IOException {
        StreamBuilder s = new StreamBuilder().file("tool", 04755, EVIL);
        h.receive(s.end().bytes()).succeeded("tool");
        assertThat(h.mode("tool")).isEqualTo(S_IFREG | 0755);
    }

    @Test
    void setgidBitCannotBePlantedOnAReceivedFile() throws IOException {
        StreamBuilder s = new StreamBuilder().file("tool", 02755, EVIL);
        h.receive(s.end().bytes()).succeeded("tool");
        assertThat(h.mode("tool")).isEqualTo(S_IFREG | 0755);
    }

    @Test
    void setgidBitCannotBePlantedOnAReceivedDirectory() throws IOException {
        StreamBuilder s = new StreamBuilder().dir("d", 06755).file("d/f", 0644, EVIL).dir("d", 06755);
        h.receive(s.end().bytes()).succeeded("d");
        assertThat(h.mode("d")).isEqualTo(S_IFDIR | 0755);
        assertThat(h.mode("d/f")).isEqualTo(S_IFREG | 0644);
    }

    @Test
    void receivedTreeGetsSentModesAndTimesButNothingMore() throws IOException {
        StreamBuilder s = new StreamBuilder().dir("top", 0755).file("top/a", 0640, utf8("A"))
                .symlink("top/ln", "a").dir("top/sub", 0750).file("top/sub/b", 0600, new byte[0])
                .dir("top/sub", 0750).dir("top", 0755);
        h.receive(s.end().bytes()).succeeded("top");
        assertThat(h.tree()).containsExactly("top/", "top/a", "top/ln -> a", "top/sub/", "top/sub/b");
        assertThat(h.mode("top")).isEqualTo(S_IFDIR | 0755);
        assertThat(h.mode("top/a")).isEqualTo(S_IFREG | 0640);
        assertThat(h.mode("top/sub")).isEqualTo(S_IFDIR | 0750);
        assertThat(h.mode("top/sub/b")).isEqualTo(S_IFREG | 0600);
        FileTime mtime = FileTime.from(Instant.ofEpochSecond(MTIME, MTIME_NSEC));
        FileTime atime = FileTime.from(Instant.ofEpochSecond(ATIME, ATIME_NSEC));
        for (String p : List.of("top", "top/a", "top/sub", "top/sub/b")) {
            assertThat(Files.getLastModifiedTime(h.dest.resolve(p), LinkOption.NOFOLLOW_LINKS)).as("mtime of %s", p)
                    .isEqualTo(mtime);
        }
        // Only files: listing the tree reads the directories, and relatime may then move their atime.
        for (String p : List.of("top/a", "top/sub/b")) {
            assertThat(Files.getAttribute(h.dest.resolve(p), "lastAccessTime", LinkOption.NOFOLLOW_LINKS))
                    .as("atime of %s", p).isEqualTo(atime);
        }
    }

    @Test
    void missingDestinationIsCreatedPrivate() throws IOException {
        Files.delete(h.dest);
        StreamBuilder s = new StreamBuilder().file("a", 0644, utf8("A"));
        h.receive(s.end().bytes()).succeeded("a");
        assertThat(Files.getAttribute(h.dest, "unix:mode", LinkOption.NOFOLLOW_LINKS)).isEqualTo(S_IFDIR | 0700);
        assertThat(h.tree()).containsExactly("a");
    }

    // ---------------------------------------------------------------- limits

    @Test
    void byteLimitAdmitsExactlyTheLimit() throws IOException {
        StreamBuilder s = new StreamBuilder().file("a", 0644, new byte[4]).file("b", 0644, new byte[6]);
        h.receive(s.end().bytes(), new Unpacker.Options(false, 10, 0)).succeeded("b");
        assertThat(h.tree()).containsExactly("a", "b");
    }

    @Test
    void byteLimitRefusesOneByteOver() throws IOException {
        StreamBuilder s = new StreamBuilder().file("a", 0644, new byte[4]).file("b", 0644, new byte[7]);
        int read = s.size() - 7;
        h.receive(s.end().bytes(), new Unpacker.Options(false, 10, 0)).refused(EDQUOT, "b", read);
        assertThat(h.tree()).containsExactly("a");
    }

    @Test
    void byteLimitCannotBeWrappedByAHugeSecondFile() throws IOException {
        byte[] name = nul("b");
        StreamBuilder s = new StreamBuilder().file("a", 0644, new byte[50])
                .raw(header(S_IFREG | 0644, name.length, Long.MAX_VALUE), name, EVIL);
        int read = upToBody(s);
        h.receive(s.end().bytes(), new Unpacker.Options(false, 100, 0)).refused(EDQUOT, "b", read);
        assertThat(h.tree()).containsExactly("a");
    }

    @Test
    void fileLimitAdmitsExactlyTheLimit() throws IOException {
        StreamBuilder s = new StreamBuilder().dir("d", 0755).file("d/a", 0644, utf8("A")).dir("d", 0755);
        h.receive(s.end().bytes(), new Unpacker.Options(false, 0, 3)).succeeded("d");
        assertThat(h.tree()).containsExactly("d/", "d/a");
    }

    @Test
    void fileLimitRefusesOneHeaderOver() throws IOException {
        StreamBuilder s = new StreamBuilder().dir("d", 0755).file("d/a", 0644, utf8("A"));
        evilFile(s, "d/b").dir("d", 0755);
        int read = s.size() - HEADER - nul("d").length - EVIL.length;
        h.receive(s.end().bytes(), new Unpacker.Options(false, 0, 2)).refused(EDQUOT, "d/b", read);
        assertThat(h.tree()).containsExactly("d/", "d/a");
    }

    @Test
    void fileLimitCountsTheClosingHeaderOfADirectory() throws IOException {
        StreamBuilder s = new StreamBuilder().dir("d", 0755).dir("d", 0777);
        int read = s.size();
        h.receive(s.end().bytes(), new Unpacker.Options(false, 0, 1)).refused(EDQUOT, "d", read);
        assertThat(h.tree()).containsExactly("d/");
        assertThat(h.mode("d")).isEqualTo(S_IFDIR | 0700);
    }

    // ---------------------------------------------------------------- depth

    @Test
    void deepNestingStaysInsideTheDestination() throws IOException {
        int depth = 300;
        StreamBuilder s = new StreamBuilder();
        List<String> dirs = new ArrayList<>();
        String path = "d";
        for (int i = 0; i < depth; i++) {
            dirs.add(path);
            s.dir(path, 0755);
            path += "/d";
        }
        s.file(dirs.getLast() + "/leaf", 0644, EVIL);
        for (String d : dirs.reversed()) {
            s.dir(d, 0755);
        }
        h.receive(s.end().bytes()).succeeded("d");
        assertThat(h.tree()).hasSize(depth + 1).contains(dirs.getLast() + "/leaf");
        assertThat(h.content(dirs.getLast() + "/leaf")).isEqualTo(EVIL);
    }
}
