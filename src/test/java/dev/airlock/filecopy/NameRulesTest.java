package dev.airlock.filecopy;

import static dev.airlock.filecopy.NameRules.EILSEQ;
import static dev.airlock.filecopy.NameRules.ENOLINK;
import static dev.airlock.filecopy.NameRules.OK;
import static dev.airlock.filecopy.NameRules.charactersAllowed;
import static dev.airlock.filecopy.NameRules.checkLinkTarget;
import static dev.airlock.filecopy.NameRules.checkName;
import static dev.airlock.filecopy.Utf8Bytes.bytes;
import static dev.airlock.filecopy.Utf8Bytes.cat;
import static dev.airlock.filecopy.Utf8Bytes.encode;
import static dev.airlock.filecopy.Utf8Bytes.hex;
import static dev.airlock.filecopy.Utf8Bytes.overlong;
import static dev.airlock.filecopy.Utf8Bytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.Character.UnicodeScript;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class NameRulesTest {

    // ---------------------------------------------------------------------------------------------------------------
    // Helpers

    private static void assertNameRefused(byte[] name) {
        assertThat(checkName(name, false)).as("checkName(%s)", hex(name)).isEqualTo(EILSEQ);
    }

    private static void assertNameAccepted(String name) {
        assertThat(checkName(utf8(name), false)).as("checkName(%s)", name).isEqualTo(OK);
        assertThat(checkName(utf8(name), true)).as("checkName(%s, allowAll)", name).isEqualTo(OK);
        assertThat(charactersAllowed(utf8(name))).as("charactersAllowed(%s)", name).isTrue();
    }

    /**
     * The code point is refused alone, at the start, in the middle and at the end of a component, in a nested name,
     * and by {@link NameRules#charactersAllowed}; {@code allow-all-names} lets every one of those names through.
     */
    private static void assertCodePointRefused(int cp) {
        byte[] c = encode(cp);
        List<byte[]> names = List.of(c, cat(c, "x"), cat("report", c, ".pdf"), cat("name.txt", c),
            cat("dir/", c), cat(c, "/file"), cat("a/b", c, "c/d"));
        for (byte[] name : names) {
            assertThat(checkName(name, false)).as("U+%04X in %s", cp, hex(name)).isEqualTo(EILSEQ);
            assertThat(checkName(name, true)).as("U+%04X in %s, allowAll", cp, hex(name)).isEqualTo(OK);
            assertThat(charactersAllowed(name)).as("charactersAllowed U+%04X in %s", cp, hex(name)).isFalse();
        }
        assertThat(NameRules.isAllowedCodePoint(cp)).as("isAllowedCodePoint(U+%04X)", cp).isFalse();
    }

    private static void assertCodePointsRefused(int... cps) {
        for (int cp : cps) {
            assertCodePointRefused(cp);
        }
    }

    private static void assertCodePointRangeRefused(int first, int last) {
        for (int cp = first; cp <= last; cp++) {
            assertCodePointRefused(cp);
        }
    }

    /** A malformed byte sequence is refused wherever it stands, and (not being NUL or '/') allowed by allowAll. */
    private static void assertSequenceRefused(byte[] seq) {
        for (byte[] name : List.of(seq, cat("a", seq), cat(seq, "a"), cat("a", seq, "b"), cat("d/", seq, ".txt"))) {
            assertThat(checkName(name, false)).as("checkName(%s)", hex(name)).isEqualTo(EILSEQ);
            assertThat(charactersAllowed(name)).as("charactersAllowed(%s)", hex(name)).isFalse();
            assertThat(checkName(name, true)).as("checkName(%s, allowAll)", hex(name)).isEqualTo(OK);
        }
    }

    private static int link(String linkPath, String target) {
        return checkLinkTarget(utf8(linkPath), utf8(target), false);
    }

    private static int linkAllowAll(String linkPath, String target) {
        return checkLinkTarget(utf8(linkPath), utf8(target), true);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Path form: refused with EILSEQ, whatever allowAllNames says

    static Stream<String> badPathForms() {
        return Stream.of(
            "", "/", "//", "/etc/passwd", "//x", "/a/b",
            "a//b", "a//", "a///b",
            ".", "./x", "a/./b", "a/.",
            "..", "../x", "a/../../x", "a/..", "a/../b", "../../../../home/user/.bashrc",
            "a/", "a/b/", "./", "../",
            "a\0b", "\0", "a/\0", "\0/a", "x.txt\0.exe");
    }

    @ParameterizedTest
    @MethodSource("badPathForms")
    void allowAllNamesNeverLiftsThePathForm(String name) {
        assertThat(checkName(utf8(name), false)).isEqualTo(EILSEQ);
        assertThat(checkName(utf8(name), true)).isEqualTo(EILSEQ);
    }

    @Test
    void emptyNameCannotAliasTheDestinationFolder() {
        assertNameRefused(new byte[0]);
        assertThat(checkName(new byte[0], true)).isEqualTo(EILSEQ);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/etc/passwd", "/home/user/.bashrc", "//x", "/a"})
    void absoluteNameCannotEscapeTheDestination(String name) {
        assertNameRefused(utf8(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a//b", "a//", "//", "a///b", "x//y/z"})
    void doubleSlashCannotHideAnEmptyComponent(String name) {
        assertNameRefused(utf8(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../x", "a/../../x", "a/..", "a/../b", "../../.ssh/authorized_keys", "x/y/../../.."})
    void dotDotComponentCannotClimbOut(String name) {
        assertNameRefused(utf8(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {".", "./x", "a/./b", "a/.", "./."})
    void dotComponentCannotAliasItsDirectory(String name) {
        assertNameRefused(utf8(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/", "a/b/", "file.txt/"})
    void trailingSlashCannotTurnAFileNameIntoADirectoryName(String name) {
        assertNameRefused(utf8(name));
    }

    @Test
    void nulByteCannotTruncateTheName() {
        for (byte[] name : List.of(bytes(0), cat("a", bytes(0), "b"), cat("safe.txt", bytes(0), ".exe"),
                cat("a/", bytes(0)), cat(bytes(0), "/a"), cat("a", bytes(0)))) {
            assertThat(checkName(name, false)).as(hex(name)).isEqualTo(EILSEQ);
            assertThat(checkName(name, true)).as(hex(name)).isEqualTo(EILSEQ);
            assertThat(charactersAllowed(name)).as(hex(name)).isFalse();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"...", "....", ".hidden", "..hidden", "a..", "a.", "a/.b/..c", " .", ". ", ".. ", " ..",
        "a/.../b", "..../x", "x/.y/z"})
    void namesThatOnlyResembleDotComponentsAreAccepted(String name) {
        assertNameAccepted(name);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Characters: control characters and malformed UTF-8

    @Test
    void c0ControlCannotForgeLinesOrTerminalEscapes() {
        assertCodePointRangeRefused(0x01, 0x1F);
        assertNameRefused(utf8("line\nforged: ok"));
        assertNameRefused(utf8("\u001b]0;title\u0007"));
        assertNameRefused(utf8("file\r.txt"));
    }

    @Test
    void delRefused() {
        assertCodePointRefused(0x7F);
    }

    @Test
    void c1ControlRefused() {
        // U+009B is a one-character CSI for terminals that honour 8-bit controls.
        assertCodePointRangeRefused(0x80, 0x9F);
        // and as single raw bytes (not UTF-8 at all)
        for (int b = 0x80; b <= 0x9F; b++) {
            assertSequenceRefused(bytes(b));
        }
    }

    @Test
    void overlongSlashCannotSmuggleSeparator() {
        for (int length = 2; length <= 4; length++) {
            byte[] slash = overlong('/', length);
            assertSequenceRefused(slash);
            // Under allow-all-names it is just a byte string, never a separator: the kernel agrees, and this
            // is not the name "..": one normal component.
            assertThat(checkName(cat("..", slash, ".."), true)).isEqualTo(OK);
            assertThat(checkName(cat("..", slash, ".."), false)).isEqualTo(EILSEQ);
        }
    }

    @Test
    void overlongDotCannotSmuggleDotDot() {
        for (int length = 2; length <= 4; length++) {
            byte[] dot = overlong('.', length);
            assertSequenceRefused(dot);
            assertNameRefused(cat(dot, dot));
            assertNameRefused(cat("a/", dot, dot, "/b"));
        }
    }

    @Test
    void overlongNulCannotSmuggleTerminator() {
        // C0 80 is NUL in Java's "modified UTF-8"; never valid UTF-8.
        for (int length = 2; length <= 4; length++) {
            assertSequenceRefused(overlong(0, length));
        }
    }

    @Test
    void overlongFormOfAnAllowedLetterRefused() {
        // 'é' U+00E9 is allowed, but only in its shortest form.
        assertSequenceRefused(overlong(0xE9, 3));
        assertSequenceRefused(overlong(0xE9, 4));
        // 'A' in two bytes
        assertSequenceRefused(overlong('A', 2));
    }

    @Test
    void encodedSurrogateCannotPassAsCharacter() {
        assertCodePointsRefused(0xD800, 0xDBFF, 0xDC00, 0xDFFF);
        // CESU-8 form of U+1F600 and of an allowed letter U+20000 (a surrogate pair, each half encoded alone)
        assertSequenceRefused(bytes(0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80));
        assertSequenceRefused(bytes(0xED, 0xA1, 0x80, 0xED, 0xB0, 0x80));
    }

    @Test
    void codePointBeyondUnicodeRefused() {
        assertSequenceRefused(bytes(0xF4, 0x90, 0x80, 0x80)); // U+110000
        assertSequenceRefused(bytes(0xF5, 0x80, 0x80, 0x80));
        assertSequenceRefused(bytes(0xF7, 0xBF, 0xBF, 0xBF)); // U+1FFFFF
        assertSequenceRefused(bytes(0xF8, 0x88, 0x80, 0x80, 0x80)); // old 5-byte form
        assertSequenceRefused(bytes(0xFC, 0x84, 0x80, 0x80, 0x80, 0x80)); // old 6-byte form
        assertSequenceRefused(bytes(0xFE));
        assertSequenceRefused(bytes(0xFF));
    }

    @Test
    void truncatedSequenceRefused() {
        for (String s : List.of("é", "日", "한", "\u2801", "𠀀")) {
            byte[] whole = utf8(s);
            for (int keep = 1; keep < whole.length; keep++) {
                byte[] part = java.util.Arrays.copyOf(whole, keep);
                // at the very end of the name
                assertNameRefused(cat("name", part));
                assertThat(checkName(cat("name", part), true)).isEqualTo(OK);
                // followed by more text: the next byte is not a continuation byte
                assertSequenceRefused(part);
            }
        }
    }

    @Test
    void strayContinuationByteRefused() {
        for (int b = 0x80; b <= 0xBF; b++) {
            assertSequenceRefused(bytes(b));
        }
        assertNameRefused(cat("é", bytes(0x80)));
        assertNameRefused(cat("日", bytes(0xBF), "x"));
        assertNameRefused(cat("𠀀", bytes(0x80)));
    }

    @Test
    void leadByteWithoutEnoughContinuationBytesRefused() {
        assertSequenceRefused(bytes(0xE6, 0x97, 'x'));
        assertSequenceRefused(bytes(0xF0, 0xA0, 0x80, 'x'));
        assertSequenceRefused(bytes(0xC3, 0xC3, 0xA9));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Characters: refused code point categories

    @Test
    void nonCharacterRefused() {
        assertCodePointRangeRefused(0xFDD0, 0xFDEF);
        for (int plane = 0; plane <= 0x10; plane++) {
            assertCodePointRefused(plane << 16 | 0xFFFE);
            assertCodePointRefused(plane << 16 | 0xFFFF);
        }
    }

    @Test
    void unassignedCodePointRefused() {
        for (int cp : new int[] {0x0378, 0x0379, 0x05FF, 0x40000, 0x50000, 0xDFFFF}) {
            assertThat(Character.getType(cp)).as("U+%04X is unassigned in this JDK", cp)
                .isEqualTo((int) Character.UNASSIGNED);
            assertCodePointRefused(cp);
        }
    }

    @Test
    void privateUseRefused() {
        // Private-use characters have whatever glyph the receiving font gives them, e.g. a vendor logo or a
        // lookalike of any letter.
        assertCodePointsRefused(0xE000, 0xE123, 0xF8FF, 0xF0000, 0xFFFFD, 0x100000, 0x10FFFD);
    }

    @Test
    void noBreakSpaceCannotImitateSpace() {
        assertCodePointsRefused(0x00A0, 0x202F, 0x2007);
        assertNameAccepted("plain space.txt");
    }

    @Test
    void unicodeSpacesRefused() {
        assertCodePointRangeRefused(0x2000, 0x200A);
        assertCodePointsRefused(0x1680, 0x205F, 0x180E);
    }

    @Test
    void ideographicSpaceRefused() {
        assertCodePointRefused(0x3000);
        assertNameRefused(utf8("日本\u3000語"));
    }

    @Test
    void lineAndParagraphSeparatorsCannotBreakLines() {
        assertCodePointsRefused(0x2028, 0x2029, 0x0085);
    }

    @Test
    void bidiOverrideCannotDisguiseExtension() {
        // Shown as "annexe.pdf" by a bidi-aware display, but it is an executable ".exe" name.
        assertNameRefused(utf8("annex\u202Efdp.exe"));
        assertThat(checkName(utf8("annex\u202Efdp.exe"), true)).isEqualTo(OK);
        // every embedding, override, isolate and mark
        assertCodePointRangeRefused(0x202A, 0x202E);
        assertCodePointRangeRefused(0x2066, 0x2069);
        assertCodePointsRefused(0x200E, 0x200F, 0x061C);
    }

    @Test
    void zeroWidthJoinerCannotHideCharacters() {
        // "pass\u200Dwd" looks like "passwd"
        assertNameRefused(utf8("pass\u200Dwd"));
        assertCodePointsRefused(0x200B, 0x200C, 0x200D, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0x00AD);
    }

    @Test
    void variationSelectorCannotMakeTwoNamesLookAlike() {
        // Nonspacing marks of the Inherited script, so the letter-and-script rule alone would allow them; they are
        // Default_Ignorable and render as nothing after a letter.
        assertNameRefused(utf8("report\uFE0F.pdf"));
        assertCodePointRangeRefused(0xFE00, 0xFE0F);
        assertCodePointRangeRefused(0xE0100, 0xE01EF);
        assertCodePointRefused(0x034F); // combining grapheme joiner
    }

    @Test
    void hangulFillerCannotPassAsInvisibleLetter() {
        // Hangul letters (Lo) by category and script, but Default_Ignorable fillers that display as blank.
        assertCodePointsRefused(0x115F, 0x1160, 0x3164, 0xFFA0);
        assertNameAccepted("한국어");
    }

    @Test
    void tagCharactersCannotCarryHiddenText() {
        assertCodePointRefused(0xE0001);
        assertCodePointRangeRefused(0xE0020, 0xE007F);
    }

    @Test
    void emojiRefused() {
        assertCodePointsRefused(0x1F600, 0x1F4A9, 0x1F525, 0x2764, 0x2B50, 0x1F1FA, 0x1F1F8, 0x1F3FB, 0x1FAE8);
        assertNameRefused(utf8("party🎉.txt"));
    }

    @Test
    void symbolsRefused() {
        assertCodePointsRefused('©', '®', '™', '€', '£', '°', '±', '×', '÷', '¬', '¦', '∞', '♥', '⌘', '←', '√',
            0x2100, 0x24B6, 0xFFFC, 0xFFFD);
    }

    @Test
    void slashLookalikeCannotImitateSeparator() {
        // "home∕user∕.bashrc" would look like a path
        assertNameRefused(utf8("home\u2215user\u2215.bashrc"));
        assertCodePointsRefused(0x2215, 0x2044, 0xFF0F, 0x29F8, 0x2571, 0x29F5, 0xFE68);
    }

    @Test
    void dotLeaderCannotImitateDotDot() {
        // U+2025 TWO DOT LEADER looks like ".."
        assertNameRefused(utf8("\u2025"));
        assertCodePointsRefused(0x2024, 0x2025, 0x2026, 0xFF0E, 0xFE52, 0x3002, 0x00B7);
    }

    @Test
    void nonAsciiPunctuationRefused() {
        assertCodePointsRefused(0x2010, 0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x00AB, 0x00BB, 0x00BF,
            0x00A1, 0x3001, 0x300C, 0x30FB, 0xFF01, 0xFF08, 0x055D, 0x037E);
    }

    @Test
    void nonDecimalNumberRefused() {
        // Only decimal digits (Nd) are allowed: superscripts, fractions, Roman numerals, circled numbers are not.
        assertCodePointsRefused(0x00B2, 0x00B9, 0x00BD, 0x2160, 0x216B, 0x2460, 0x3007, 0x2070);
    }

    @Test
    void rightToLeftScriptRefused() {
        assertNameRefused(utf8("\u05E7\u05D5\u05D1\u05E5.txt")); // Hebrew
        assertNameRefused(utf8("\u0645\u0644\u0641.txt")); // Arabic
        assertCodePointsRefused(
            0x05D0, 0x05EA, 0xFB1D, // Hebrew
            0x0627, 0x0628, 0x06CC, 0xFE8D, // Arabic
            0x0660, 0x0669, 0x06F0, // Arabic-Indic digits
            0x0710, 0x0712, // Syriac
            0x0780, 0x07A5, // Thaana
            0x07CA, 0x07C0, // NKo (letter, digit)
            0x0800, 0x0840, 0x10900, 0x10B00, 0x1E900, 0x1E950); // Samaritan, Mandaic, Phoenician, Avestan, Adlam
    }

    @Test
    void arabicTatweelCannotBringRightToLeftOrdering() {
        // U+0640 is a Common-script modifier letter, but of bidi class AL (strong right-to-left).
        assertThat(UnicodeScript.of(0x0640)).isEqualTo(UnicodeScript.COMMON);
        assertThat(Character.getType(0x0640)).isEqualTo((int) Character.MODIFIER_LETTER);
        assertCodePointRefused(0x0640);
    }

    @Test
    void otherScriptsRefused() {
        assertCodePointsRefused(
            0x0531, 0x0585, // Armenian (Ս, օ look like Latin)
            0x10D0, // Georgian
            0x13A0, 0x13A2, // Cherokee (Ꭰ, Ꭲ look like D, T)
            0xA4D0, 0xA4EE, // Lisu (ꓐ, ꓮ look like B, A)
            0x0915, 0x0966, // Devanagari letter and digit
            0x0E01, 0x1780, 0x1200, 0x1820, 0x0B95, 0x0D15, // Thai, Khmer, Ethiopic, Mongolian, Tamil, Malayalam
            0x3105, 0xA000, 0x16A0, 0x10330, 0x12000, 0x2D30); // Bopomofo, Yi, Runic, Gothic, Cuneiform, Tifinagh
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Characters: accepted names

    @Test
    void printableAsciiAccepted() {
        StringBuilder all = new StringBuilder();
        for (char c = 0x20; c <= 0x7E; c++) {
            if (c != '/') {
                all.append(c);
            }
        }
        assertNameAccepted(all.toString());
        assertNameAccepted("a b");
        assertNameAccepted("-rf");
        assertNameAccepted("~$budget (copy) [1] {x} *?.xlsx");
        assertNameAccepted("back\\slash");
        assertNameAccepted(" ");
        assertNameAccepted("dir/sub dir/file.tar.gz");
    }

    @Test
    void qubesFixtureNameAccepted() {
        // The name in the Qubes reference stream "uni" (spec fixtures), accepted by the Qubes unpacker.
        assertNameAccepted("Zażółć-Ελληνικά-日本語.txt");
    }

    @Test
    void latinWithAccentsInNfcAccepted() {
        for (String s : latinSamples()) {
            String nfc = Normalizer.normalize(s, Normalizer.Form.NFC);
            assertNameAccepted(nfc);
        }
    }

    @Test
    void latinWithCombiningMarksInNfdAccepted() {
        for (String s : latinSamples()) {
            String nfd = Normalizer.normalize(s, Normalizer.Form.NFD);
            assertThat(nfd).isNotEqualTo(Normalizer.normalize(s, Normalizer.Form.NFC));
            assertThat(nfd.codePoints().anyMatch(cp -> Character.getType(cp) == Character.NON_SPACING_MARK))
                .isTrue();
            assertNameAccepted(nfd);
        }
        // Marks from the Combining Diacritical Marks Extended and Supplement blocks, too
        assertNameAccepted("a\u0301\u0323b\u1DC4c\u1AB0");
    }

    private static List<String> latinSamples() {
        return List.of("Zażółć gęślą jaźń", "Ærø Ålborg", "naïve café", "Straße façade", "Tiếng Việt",
            "Ångström", "Dvořák", "señor.txt", "İstanbul-ışık");
    }

    @Test
    void greekAccepted() {
        assertNameAccepted("Ελληνικά");
        assertNameAccepted("ΑΒΓΔ αβγδ ς");
        assertNameAccepted("ἄλφα ᾳ"); // polytonic
    }

    @Test
    void cyrillicAccepted() {
        assertNameAccepted("Привет мир.txt");
        assertNameAccepted("Ёлка-ёж");
        assertNameAccepted("Ўзбек Україна Ђорђе");
    }

    @Test
    void chineseAccepted() {
        assertNameAccepted("中文文件.doc");
        assertNameAccepted("檔案目錄/資料");
        assertNameAccepted("𠀀𪚥𰀀"); // CJK extensions B and G: 4-byte sequences
        assertNameAccepted("々〆"); // iteration mark, closing mark
    }

    @Test
    void japaneseKanaAccepted() {
        assertNameAccepted("ひらがな");
        assertNameAccepted("カタカナ");
        assertNameAccepted("ｶﾀｶﾅ"); // halfwidth
        assertNameAccepted("ラーメン"); // U+30FC prolonged sound mark, Common script
        assertNameAccepted("か\u3099"); // combining voiced sound mark (NFD of が)
        assertNameAccepted("日本語のファイル");
    }

    @Test
    void koreanHangulAccepted() {
        assertNameAccepted("한국어 파일");
        assertNameAccepted("\u1100\u1161\u11A8"); // conjoining jamo (NFD of 각)
        assertNameAccepted("ㄱㄴㄷ"); // compatibility jamo
    }

    @Test
    void brailleAccepted() {
        assertNameAccepted("⠃⠗⠁⠊⠇⠇⠑");
        StringBuilder all = new StringBuilder();
        for (int cp = 0x2800; cp <= 0x28FF; cp++) {
            all.appendCodePoint(cp);
        }
        assertNameAccepted(all.toString());
    }

    @Test
    void fullwidthDigitsAccepted() {
        assertNameAccepted("０１２３４５６７８９");
        assertNameAccepted("報告２０２４年");
        assertNameAccepted("ＡＢＣｘｙｚ"); // fullwidth Latin
    }

    @Test
    void allowAllNamesLiftsTheCharacterCheck() {
        List<byte[]> names = List.of(utf8("line\nbreak"), utf8("annex\u202Efdp.exe"), utf8("🎉"),
            utf8("\u05E7\u05D5\u05D1\u05E5"), bytes(0xFF, 0xFE), cat("x", overlong('/', 2)), bytes(0x7F),
            utf8("\uE000"), cat("a/", encode(0xD800), "/b"));
        for (byte[] name : names) {
            assertThat(checkName(name, false)).as(hex(name)).isEqualTo(EILSEQ);
            assertThat(checkName(name, true)).as(hex(name)).isEqualTo(OK);
        }
    }

    @Test
    void charactersAllowedIgnoresThePathForm() {
        for (String s : List.of("", "/", "..", ".", "a//b", "/etc/passwd", "a/")) {
            assertThat(charactersAllowed(utf8(s))).as(s).isTrue();
        }
        assertThat(charactersAllowed(utf8("a\u202Eb"))).isFalse();
        assertThat(charactersAllowed(bytes(0))).isFalse();
    }

    @Test
    void inputArraysAreNotModified() {
        byte[] name = utf8("Zażółć/日本語");
        byte[] copy = name.clone();
        checkName(name, false);
        checkName(name, true);
        charactersAllowed(name);
        checkLinkTarget(name, name, false);
        assertThat(name).isEqualTo(copy);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Exhaustive checks over all of Unicode

    private static final Set<UnicodeScript> ALLOWED_SCRIPTS = EnumSet.of(UnicodeScript.LATIN, UnicodeScript.GREEK,
        UnicodeScript.CYRILLIC, UnicodeScript.HAN, UnicodeScript.HANGUL, UnicodeScript.HIRAGANA,
        UnicodeScript.KATAKANA, UnicodeScript.BRAILLE, UnicodeScript.COMMON, UnicodeScript.INHERITED);

    @Test
    void everyCodePointIsDecidedAloneAsInsideAName() {
        byte[] prefix = utf8("ab");
        for (int cp = 0x80; cp <= Character.MAX_CODE_POINT; cp++) {
            byte[] e = encode(cp);
            boolean allowed = NameRules.isAllowedCodePoint(cp);
            int expected = allowed ? OK : EILSEQ;
            if (checkName(e, false) != expected || charactersAllowed(e) != allowed
                    || checkName(cat(prefix, e, prefix), false) != expected) {
                throw new AssertionError(String.format("U+%04X decided inconsistently", cp));
            }
        }
    }

    @Test
    void noAcceptedCodePointIsAControlSpaceFormatSymbolPunctuationOrRightToLeft() {
        int accepted = 0;
        List<String> offenders = new ArrayList<>();
        for (int cp = 0x80; cp <= Character.MAX_CODE_POINT; cp++) {
            if (!NameRules.isAllowedCodePoint(cp)) {
                continue;
            }
            accepted++;
            int type = Character.getType(cp);
            byte dir = Character.getDirectionality(cp);
            boolean braille = cp >= 0x2800 && cp <= 0x28FF;
            boolean letterMarkOrDigit = switch (type) {
                case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                        Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.NON_SPACING_MARK,
                        Character.COMBINING_SPACING_MARK, Character.ENCLOSING_MARK,
                        Character.DECIMAL_DIGIT_NUMBER -> true;
                default -> false;
            };
            boolean bad = Character.isISOControl(cp) || Character.isWhitespace(cp) || Character.isSpaceChar(cp)
                || Character.isIdentifierIgnorable(cp)
                || (!braille && !letterMarkOrDigit)
                || !ALLOWED_SCRIPTS.contains(UnicodeScript.of(cp))
                || dir == Character.DIRECTIONALITY_RIGHT_TO_LEFT
                || dir == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC
                || dir == Character.DIRECTIONALITY_ARABIC_NUMBER
                || dir == Character.DIRECTIONALITY_RIGHT_TO_LEFT_EMBEDDING
                || dir == Character.DIRECTIONALITY_RIGHT_TO_LEFT_OVERRIDE
                || dir == Character.DIRECTIONALITY_LEFT_TO_RIGHT_EMBEDDING
                || dir == Character.DIRECTIONALITY_LEFT_TO_RIGHT_OVERRIDE
                || dir == Character.DIRECTIONALITY_POP_DIRECTIONAL_FORMAT
                || dir == Character.DIRECTIONALITY_LEFT_TO_RIGHT_ISOLATE
                || dir == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ISOLATE
                || dir == Character.DIRECTIONALITY_FIRST_STRONG_ISOLATE
                || dir == Character.DIRECTIONALITY_POP_DIRECTIONAL_ISOLATE;
            if (bad) {
                offenders.add(String.format("U+%04X", cp));
            }
        }
        assertThat(offenders).isEmpty();
        // Han alone has ~98,000 letters; this guards against an accidental "refuse everything".
        assertThat(accepted).isGreaterThan(100_000);
    }

    @Test
    void everyLetterMarkAndDigitOfAnAllowedScriptIsAcceptedBarTheDocumentedExclusions() {
        Set<Integer> documentedExclusions = new java.util.HashSet<>(List.of(0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0,
            0x0640));
        IntStream.rangeClosed(0xFE00, 0xFE0F).forEach(documentedExclusions::add);
        IntStream.rangeClosed(0xE0100, 0xE01EF).forEach(documentedExclusions::add);
        List<String> missing = new ArrayList<>();
        for (int cp = 0x80; cp <= Character.MAX_CODE_POINT; cp++) {
            int type = Character.getType(cp);
            boolean candidate = switch (type) {
                case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                        Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.NON_SPACING_MARK,
                        Character.COMBINING_SPACING_MARK, Character.ENCLOSING_MARK,
                        Character.DECIMAL_DIGIT_NUMBER -> true;
                default -> false;
            };
            if (candidate && ALLOWED_SCRIPTS.contains(UnicodeScript.of(cp)) && !documentedExclusions.contains(cp)
                    && !NameRules.isAllowedCodePoint(cp)) {
                missing.add(String.format("U+%04X", cp));
            }
        }
        assertThat(missing).isEmpty();
        for (int cp : documentedExclusions) {
            assertThat(NameRules.isAllowedCodePoint(cp)).as("U+%04X", cp).isFalse();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Symlinks

    @Test
    void siblingLinkAccepted() {
        // the Qubes reference stream "link"
        assertThat(link("s/ln", "sibling.txt")).isEqualTo(OK);
    }

    @Test
    void linkClimbingOutOfTheCopyRefused() {
        // the Qubes reference stream "badlink"
        assertThat(link("s/ln", "../../outside.txt")).isEqualTo(ENOLINK);
        assertThat(link("s/ln", "../outside.txt")).isEqualTo(ENOLINK);
        assertThat(link("s/ln", "..")).isEqualTo(ENOLINK);
    }

    @Test
    void linkMayClimbWithinItsTopLevelDirectory() {
        assertThat(link("a/b/ln", "../x")).isEqualTo(OK);
        assertThat(link("a/b/ln", "..")).isEqualTo(OK);
        assertThat(link("a/b/ln", "../b/c/d")).isEqualTo(OK);
        assertThat(link("a/b/ln", "../../x")).isEqualTo(ENOLINK);
    }

    @Test
    void dotDotAfterNormalComponentCannotClimbThroughAnotherLink() {
        // "x" may itself be a link, so "x/.." is not necessarily "."
        assertThat(link("a/b/ln", "x/../../y")).isEqualTo(ENOLINK);
        assertThat(link("a/b/ln", "x/../y")).isEqualTo(ENOLINK);
        assertThat(link("a/b/c/d/ln", "../x/..")).isEqualTo(ENOLINK);
        assertThat(link("a/b/ln", "x/./../y")).isEqualTo(ENOLINK);
        assertThat(link("a/b/ln", "x//../y")).isEqualTo(ENOLINK);
        assertThat(link("a/b/ln", ".../../y")).isEqualTo(ENOLINK); // "..." is a normal name
    }

    @Test
    void topLevelLinkCannotPointBesideTheCopy() {
        // A link at the top of the copy would sit in ~/QubesIncoming/<domain>/ among earlier copies.
        assertThat(link("ln", "sibling.txt")).isEqualTo(ENOLINK);
        assertThat(link("ln", "x")).isEqualTo(ENOLINK);
        assertThat(link("ln", ".")).isEqualTo(ENOLINK);
        assertThat(linkAllowAll("ln", "x")).isEqualTo(ENOLINK);
    }

    @Test
    void emptyTargetRefused() {
        assertThat(link("s/ln", "")).isEqualTo(ENOLINK);
        assertThat(linkAllowAll("s/ln", "")).isEqualTo(ENOLINK);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/etc/passwd", "//x", "/home/user/.ssh", "/."})
    void absoluteTargetCannotEscape(String target) {
        assertThat(link("a/b/c/ln", target)).isEqualTo(ENOLINK);
        assertThat(linkAllowAll("a/b/c/ln", target)).isEqualTo(ENOLINK);
    }

    static Stream<Arguments> depthBoundaries() {
        List<Arguments> cases = new ArrayList<>();
        for (int depth = 2; depth <= 4; depth++) {
            String linkPath = "d/".repeat(depth - 1) + "ln";
            for (int up = 0; up <= depth - 1; up++) {
                int expected = up <= depth - 2 ? OK : ENOLINK;
                cases.add(Arguments.of(linkPath, "../".repeat(up) + "f", expected));
                String bare = up == 0 ? "." : String.join("/", java.util.Collections.nCopies(up, ".."));
                cases.add(Arguments.of(linkPath, bare, expected));
                cases.add(Arguments.of(linkPath, "./" + "..//".repeat(up) + "f/g/", expected));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @MethodSource("depthBoundaries")
    void leadingDotDotBudgetIsDepthMinusTwo(String linkPath, String target, int expected) {
        assertThat(link(linkPath, target)).isEqualTo(expected);
        assertThat(linkAllowAll(linkPath, target)).isEqualTo(expected);
    }

    @Test
    void emptyAndDotComponentsInTargetAreNeutral() {
        assertThat(link("a/b/ln", "./x")).isEqualTo(OK);
        assertThat(link("a/b/ln", "x//y")).isEqualTo(OK);
        assertThat(link("a/b/ln", "x/")).isEqualTo(OK);
        assertThat(link("a/b/ln", ".")).isEqualTo(OK);
        assertThat(link("a/b/ln", "./")).isEqualTo(OK);
        assertThat(link("a/b/ln", "x/./y/.")).isEqualTo(OK);
        assertThat(link("a/b/ln", "./../x")).isEqualTo(OK);
        assertThat(link("a/b/ln", "..//x")).isEqualTo(OK);
        assertThat(link("a/b/ln", ".//.././x")).isEqualTo(OK);
        assertThat(link("a/b/ln", "../")).isEqualTo(OK);
        assertThat(link("a/b/ln", "../.")).isEqualTo(OK);
        // ... and do not add to the budget
        assertThat(link("a/b/ln", "./../../x")).isEqualTo(ENOLINK);
        assertThat(link("a/b/ln", "..//../x")).isEqualTo(ENOLINK);
        assertThat(link("a/b/ln", ".././..")).isEqualTo(ENOLINK);
    }

    @Test
    void namesResemblingDotDotAreNormalComponentsOfATarget() {
        assertThat(link("s/ln", "...")).isEqualTo(OK);
        assertThat(link("s/ln", "..x/y")).isEqualTo(OK);
        assertThat(link("s/ln", ".x")).isEqualTo(OK);
        assertThat(link("s/ln", "x..")).isEqualTo(OK);
    }

    @Test
    void bidiOverrideInTargetCannotDisguiseIt() {
        assertThat(link("s/ln", "annex\u202Efdp.exe")).isEqualTo(EILSEQ);
        assertThat(linkAllowAll("s/ln", "annex\u202Efdp.exe")).isEqualTo(OK);
        assertThat(link("s/ln", "日本語/Ελληνικά")).isEqualTo(OK);
    }

    @Test
    void nulInTargetCannotTruncateIt() {
        byte[] target = cat("safe", bytes(0), "/../../../etc");
        assertThat(checkLinkTarget(utf8("s/ln"), target, false)).isEqualTo(EILSEQ);
        assertThat(checkLinkTarget(utf8("s/ln"), target, true)).isEqualTo(EILSEQ);
        assertThat(checkLinkTarget(utf8("s/ln"), bytes(0), true)).isEqualTo(EILSEQ);
    }

    @Test
    void overlongSlashInTargetRefused() {
        byte[] target = cat("..", overlong('/', 2), "..", overlong('/', 2), "x");
        assertThat(checkLinkTarget(utf8("s/ln"), target, false)).isEqualTo(EILSEQ);
        // Under allow-all-names the kernel sees one odd component, not a climb: no ENOLINK needed.
        assertThat(checkLinkTarget(utf8("s/ln"), target, true)).isEqualTo(OK);
        assertThat(checkLinkTarget(utf8("s/ln"), bytes(0xFF), false)).isEqualTo(EILSEQ);
    }

    @Test
    void allowAllNamesNeverLiftsLinkConfinement() {
        for (String[] c : new String[][] {{"s/ln", "../../outside.txt"}, {"a/b/ln", "../../x"},
                {"a/b/ln", "x/../y"}, {"ln", "x"}, {"s/ln", "/etc"}, {"s/ln", ""}}) {
            assertThat(linkAllowAll(c[0], c[1])).as("%s -> %s", c[0], c[1]).isEqualTo(ENOLINK);
        }
    }

    @Test
    void errorsFollowTheDocumentedOrder() {
        // absolute before characters
        assertThat(link("s/ln", "/\u202E")).isEqualTo(ENOLINK);
        // characters before the link's depth and the climb
        assertThat(link("ln", "\u202E")).isEqualTo(EILSEQ);
        assertThat(link("s/ln", "../../\u202E")).isEqualTo(EILSEQ);
        assertThat(checkLinkTarget(utf8("ln"), cat("../", bytes(0)), true)).isEqualTo(EILSEQ);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a//ln", "./a/ln", "a/./ln", "a/../b/ln", "/a/b/ln", "a/b/", "a/b/ln/", "../a/b/ln",
        "a/\0/ln"})
    void malformedLinkPathCannotInflateTheBudget(String linkPath) {
        // Counted naively, "a/./ln" is 3 deep and would allow one "..": out of the copy.
        assertThat(link(linkPath, "../x")).isEqualTo(ENOLINK);
        assertThat(link(linkPath, "x")).isEqualTo(ENOLINK);
        assertThat(linkAllowAll(linkPath, "x")).isEqualTo(ENOLINK);
    }

    @Test
    void linkPathCharactersAreTheCallersBusiness() {
        // The link's own name was already checked by checkName with the session's flag; only its form matters here.
        assertThat(link("d\u202E/ln", "x")).isEqualTo(OK);
    }
}
