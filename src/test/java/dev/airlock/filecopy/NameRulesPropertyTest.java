package dev.airlock.filecopy;

import static dev.airlock.filecopy.NameRules.EILSEQ;
import static dev.airlock.filecopy.NameRules.ENOLINK;
import static dev.airlock.filecopy.NameRules.OK;
import static dev.airlock.filecopy.NameRules.charactersAllowed;
import static dev.airlock.filecopy.NameRules.checkLinkTarget;
import static dev.airlock.filecopy.NameRules.checkName;
import static dev.airlock.filecopy.Utf8Bytes.cat;
import static dev.airlock.filecopy.Utf8Bytes.encode;
import static dev.airlock.filecopy.Utf8Bytes.hex;
import static dev.airlock.filecopy.Utf8Bytes.overlong;
import static dev.airlock.filecopy.Utf8Bytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Property tests of {@link NameRules}. Tries are capped so the class runs in well under a second or two. */
class NameRulesPropertyTest {

    private static final int TRIES = 1000;

    // ---------------------------------------------------------------------------------------------------------------
    // Generators

    /** A component of printable ASCII other than '/', never "." or "..". */
    private static Arbitrary<String> asciiComponent() {
        return Arbitraries.strings().withCharRange(' ', '~').excludeChars('/').ofMinLength(1).ofMaxLength(20)
            .filter(s -> !s.equals(".") && !s.equals(".."));
    }

    @Provide
    Arbitrary<String> asciiNames() {
        return asciiComponent().list().ofMinSize(1).ofMaxSize(5).map(parts -> String.join("/", parts));
    }

    /** Allowed non-ASCII samples: Latin, combining mark, Greek, Cyrillic, Han (BMP and 4-byte), kana, Hangul,
     *  Braille, fullwidth digit. */
    private static final int[] ALLOWED_SAMPLES = {0xE9, 0x141, 0x301, 0x3B1, 0x416, 0x4E2D, 0x20000, 0x3072, 0x30AB,
        0xD55C, 0x2803, 0xFF11, 0x30FC, 0x1E9E};

    /** A valid name as code points: components of ASCII and allowed non-ASCII letters, joined by '/'. */
    @Provide
    Arbitrary<int[]> validNames() {
        Arbitrary<Integer> ch = Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0x20, 0x7E).filter(c -> c != '/')),
            net.jqwik.api.Tuple.of(1, Arbitraries.of(Arrays.stream(ALLOWED_SAMPLES).boxed().toList())));
        Arbitrary<List<Integer>> component = ch.list().ofMinSize(1).ofMaxSize(12)
            .filter(c -> !(c.equals(List.of((int) '.')) || c.equals(List.of((int) '.', (int) '.'))));
        return component.list().ofMinSize(1).ofMaxSize(4).map(components -> {
            List<Integer> all = new ArrayList<>();
            for (List<Integer> c : components) {
                if (!all.isEmpty()) {
                    all.add((int) '/');
                }
                all.addAll(c);
            }
            return all.stream().mapToInt(Integer::intValue).toArray();
        });
    }

    /** Code points that must be refused, drawn from every refused category of the spec. */
    @Provide
    Arbitrary<Integer> refusedCodePoints() {
        return Arbitraries.oneOf(
            Arbitraries.integers().between(0x01, 0x1F), // C0 (NUL is a path-form matter, tested elsewhere)
            Arbitraries.of(0x7F), // DEL
            Arbitraries.integers().between(0x80, 0x9F), // C1
            Arbitraries.integers().between(0xD800, 0xDFFF), // surrogates
            Arbitraries.integers().between(0xFDD0, 0xFDEF), // non-characters
            Arbitraries.integers().between(0, 0x10).flatMap(p -> Arbitraries.of(p << 16 | 0xFFFE, p << 16 | 0xFFFF)),
            Arbitraries.integers().between(0x40000, 0xDFFFD), // unassigned planes 4..13
            Arbitraries.integers().between(0xE000, 0xF8FF), // private use
            Arbitraries.integers().between(0xF0000, 0x10FFFD),
            Arbitraries.of(0x00A0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008,
                0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000), // spaces and separators
            Arbitraries.of(0x00AD, 0x061C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C,
                0x202D, 0x202E, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF,
                0xFFF9, 0xFFFA, 0xFFFB, 0x1D173, 0xE0001), // format: zero-width, bidi, tags
            Arbitraries.of(0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x0640), // invisible letters/marks, tatweel
            Arbitraries.integers().between(0xFE00, 0xFE0F), // variation selectors
            Arbitraries.integers().between(0xE0100, 0xE01EF),
            Arbitraries.integers().between(0xE0020, 0xE007F), // tag characters
            Arbitraries.integers().between(0x1F300, 0x1F64F), // emoji
            Arbitraries.integers().between(0x1F680, 0x1F6C5),
            Arbitraries.integers().between(0x2190, 0x22FF), // arrows, mathematical operators
            Arbitraries.integers().between(0x2600, 0x26FF), // miscellaneous symbols
            Arbitraries.of(0xA9, 0xAE, 0x2122, 0x20AC, 0xA3, 0xB0, 0xB1, 0xD7, 0xF7, 0xFFFC, 0xFFFD),
            Arbitraries.integers().between(0x2010, 0x2027), // general punctuation
            Arbitraries.integers().between(0x3001, 0x3003),
            Arbitraries.integers().between(0xFF01, 0xFF0F), // fullwidth punctuation and symbols
            Arbitraries.integers().between(0x2160, 0x2182), // Roman numerals (Nl)
            Arbitraries.integers().between(0x2460, 0x249B), // circled numbers (No)
            Arbitraries.integers().between(0x05D0, 0x05EA), // Hebrew
            Arbitraries.integers().between(0x0620, 0x063F), // Arabic
            Arbitraries.integers().between(0x0660, 0x0669), // Arabic-Indic digits
            Arbitraries.integers().between(0x0710, 0x072F), // Syriac
            Arbitraries.integers().between(0x0780, 0x07A5), // Thaana
            Arbitraries.integers().between(0x07CA, 0x07EA), // NKo
            Arbitraries.integers().between(0x1E900, 0x1E943), // Adlam
            Arbitraries.integers().between(0x0915, 0x0939), // Devanagari
            Arbitraries.integers().between(0x0E01, 0x0E2E), // Thai
            Arbitraries.integers().between(0x0531, 0x0556), // Armenian
            Arbitraries.integers().between(0x13A0, 0x13F5), // Cherokee
            Arbitraries.integers().between(0xA4D0, 0xA4F7)); // Lisu
    }

    /** Pieces of byte strings: good and bad UTF-8 of every kind, raw bytes, ASCII. */
    @Provide
    Arbitrary<byte[]> mixedBytes() {
        Arbitrary<byte[]> piece = Arbitraries.oneOf(
            Arbitraries.integers().between(0, 255).map(b -> new byte[] {b.byteValue()}),
            Arbitraries.integers().between(0x20, 0x7E).map(Utf8Bytes::encode),
            Arbitraries.integers().between(0, Character.MAX_CODE_POINT).map(Utf8Bytes::encode),
            Arbitraries.of(Arrays.stream(ALLOWED_SAMPLES).boxed().toList()).map(Utf8Bytes::encode),
            Arbitraries.integers().between(0x80, Character.MAX_CODE_POINT)
                .map(cp -> Arrays.copyOf(encode(cp), encode(cp).length - 1)), // truncated
            Combinators.combine(Arbitraries.integers().between(2, 4), Arbitraries.integers().between(0, 0x7F))
                .as((len, cp) -> overlong(cp, len)));
        return piece.list().ofMaxSize(8).map(pieces -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            pieces.forEach(out::writeBytes);
            return out.toByteArray();
        });
    }

    private static byte[] encodeAll(int[] cps) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int cp : cps) {
            out.writeBytes(encode(cp));
        }
        return out.toByteArray();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Names

    @Property(tries = TRIES)
    void anyPrintableAsciiNameInValidPathFormIsAccepted(@ForAll("asciiNames") String name) {
        assertThat(checkName(utf8(name), false)).isEqualTo(OK);
        assertThat(checkName(utf8(name), true)).isEqualTo(OK);
        assertThat(charactersAllowed(utf8(name))).isTrue();
    }

    @Property(tries = TRIES)
    void validNamesOfAllowedScriptsAreAccepted(@ForAll("validNames") int[] name) {
        byte[] b = encodeAll(name);
        assertThat(checkName(b, false)).as(hex(b)).isEqualTo(OK);
    }

    // Edge cases off: the combinations of three parameters outnumber the tries. The start and the end of the name
    // are covered on every try instead.
    @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
    void insertingAnyRefusedCodePointAnywhereRefusesTheName(@ForAll("validNames") int[] name,
            @ForAll("refusedCodePoints") int refused, @ForAll @IntRange(max = 1000) int where) {
        for (int at : new int[] {0, name.length, where % (name.length + 1)}) {
            int[] with = new int[name.length + 1];
            System.arraycopy(name, 0, with, 0, at);
            with[at] = refused;
            System.arraycopy(name, at, with, at + 1, name.length - at);
            byte[] b = encodeAll(with);
            assertThat(checkName(b, false)).as("U+%04X in %s", refused, hex(b)).isEqualTo(EILSEQ);
            assertThat(charactersAllowed(b)).isFalse();
            // The refused code point is neither '/' nor '.', so the path form is intact: allow-all-names accepts it.
            assertThat(checkName(b, true)).as("U+%04X in %s, allowAll", refused, hex(b)).isEqualTo(OK);
        }
    }

    @Property(tries = TRIES)
    void randomBytesNeverThrowAndGiveOnlyDocumentedResults(@ForAll @Size(max = 64) byte[] bytes,
            @ForAll("mixedBytes") byte[] mixed, @ForAll boolean allowAll) {
        for (byte[] b : List.of(bytes, mixed)) {
            assertThat(checkName(b, allowAll)).isIn(OK, EILSEQ);
            charactersAllowed(b);
            assertThat(checkLinkTarget(b, b, allowAll)).isIn(OK, EILSEQ, ENOLINK);
            assertThat(checkLinkTarget(utf8("a/b/c/ln"), b, allowAll)).isIn(OK, EILSEQ, ENOLINK);
        }
    }

    @Property(tries = TRIES)
    void characterCheckAgreesWithTheJdksStrictDecoder(@ForAll("mixedBytes") byte[] b) {
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        boolean expected;
        try {
            String s = strict.decode(ByteBuffer.wrap(b)).toString();
            expected = s.codePoints().allMatch(NameRules::isAllowedCodePoint);
        } catch (CharacterCodingException e) {
            expected = false;
        }
        assertThat(charactersAllowed(b)).as(hex(b)).isEqualTo(expected);
        // With the path form set aside, checkName's character check says the same.
        byte[] asName = cat("n", b.clone());
        if (NameRules.checkName(asName, true) == OK) {
            assertThat(checkName(asName, false) == OK).as(hex(asName)).isEqualTo(expected);
        }
    }

    @Property(tries = TRIES)
    void nameCutInsideAMultibyteSequenceIsRefused(@ForAll("validNames") int[] name,
            @ForAll @IntRange(max = 1000) int which, @ForAll boolean dropOneContinuationByte) {
        Assume.that(Arrays.stream(name).anyMatch(cp -> cp >= 0x80));
        byte[] b = encodeAll(name);
        // positions strictly inside a multibyte sequence: continuation bytes
        List<Integer> inside = new ArrayList<>();
        for (int i = 0; i < b.length; i++) {
            if ((b[i] & 0xC0) == 0x80) {
                inside.add(i);
            }
        }
        int cut = inside.get(which % inside.size());
        byte[] broken;
        if (dropOneContinuationByte) {
            broken = new byte[b.length - 1];
            System.arraycopy(b, 0, broken, 0, cut);
            System.arraycopy(b, cut + 1, broken, cut, b.length - cut - 1);
        } else {
            broken = Arrays.copyOf(b, cut);
        }
        assertThat(checkName(broken, false)).as(hex(broken)).isEqualTo(EILSEQ);
        assertThat(charactersAllowed(broken)).isFalse();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Symlinks

    @Provide
    Arbitrary<String> linkPaths() {
        return Arbitraries.of("a", "b", "c", "...", "x y").list().ofMinSize(1).ofMaxSize(6)
            .map(parts -> String.join("/", parts));
    }

    @Provide
    Arbitrary<String> targets() {
        return Arbitraries.of("..", "..", ".", "", "x", "y", "...").list().ofMinSize(1).ofMaxSize(7)
            .map(parts -> String.join("/", parts));
    }

    /**
     * The exact meaning of the link rule: a target is accepted iff it is non-empty and relative, the link is at least
     * two deep, no ".." follows a normal component, and resolving it lexically from the link's directory never
     * climbs above the link's top-level directory. (With no ".." after a normal component, lexical resolution is
     * what the kernel does, whatever the normal components turn out to be.)
     */
    @Property(tries = TRIES)
    void acceptedTargetsNeverLeaveTheLinksTopLevelDirectory(@ForAll("linkPaths") String linkPath,
            @ForAll("targets") String target) {
        String[] link = linkPath.split("/");
        int stack = link.length - 1; // components of the link's directory, the top-level one included
        boolean afterNormal = false;
        boolean dotDotAfterNormal = false;
        boolean climbsOut = false;
        for (String c : target.split("/", -1)) {
            switch (c) {
                case "", "." -> { }
                case ".." -> {
                    dotDotAfterNormal |= afterNormal;
                    stack--;
                    climbsOut |= stack < 1;
                }
                default -> {
                    afterNormal = true;
                    stack++;
                }
            }
        }
        boolean expectOk = !target.isEmpty() && !target.startsWith("/") && link.length >= 2
            && !dotDotAfterNormal && !climbsOut;
        int result = checkLinkTarget(utf8(linkPath), utf8(target), false);
        assertThat(result).as("%s -> %s", linkPath, target).isEqualTo(expectOk ? OK : ENOLINK);
        assertThat(checkLinkTarget(utf8(linkPath), utf8(target), true)).isEqualTo(result);
    }

    @Property(tries = TRIES)
    void leadingDotDotBudgetIsDepthMinusTwo(@ForAll @IntRange(min = 1, max = 12) int depth,
            @ForAll @IntRange(max = 13) int up, @ForAll boolean withName) {
        String linkPath = "d/".repeat(depth - 1) + "ln";
        String target = "../".repeat(up) + (withName ? "f" : ".");
        int expected = depth >= 2 && up <= depth - 2 ? OK : ENOLINK;
        assertThat(checkLinkTarget(utf8(linkPath), utf8(target), false)).as("%s -> %s", linkPath, target)
            .isEqualTo(expected);
    }

    @Property(tries = TRIES)
    void refusedCharacterInTargetIsEilseqUnlessAllowAll(@ForAll("refusedCodePoints") int refused) {
        byte[] target = cat("x", encode(refused), "/y");
        assertThat(checkLinkTarget(utf8("s/ln"), target, false)).isEqualTo(EILSEQ);
        assertThat(checkLinkTarget(utf8("s/ln"), target, true)).isEqualTo(OK);
    }
}
