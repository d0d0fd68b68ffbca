package dev.airlock.filecopy;

import dev.airlock.sys.Errno;
import java.lang.Character.UnicodeScript;

/**
 * The name and link-target rules of the {@code qubes.Filecopy} receiver (Qubes' {@code qfile-unpacker} rules, stated
 * below).
 *
 * <p>Every name and link target in a stream comes from a sender that must be treated as hostile. These checks decide,
 * from the raw bytes alone, whether an entry may be created. They never decode with the JVM's default charset or
 * locale, never throw on malformed input (only {@code null} arrays are a programming error and throw
 * {@link NullPointerException}), never allocate, and keep a pure-ASCII name on a single tight loop, because the
 * receiver calls {@link #checkName} once per entry for tens of thousands of entries. The class is stateless and
 * thread-safe.
 *
 * <h2>Path form (always checked, {@code allow-all-names} never lifts it)</h2>
 * A name is refused with {@link #EILSEQ} when it is empty, starts with {@code /}, contains {@code //}, ends with
 * {@code /}, has a {@code .} or {@code ..} component, or contains a NUL byte. The checks work on bytes: a {@code /}
 * (0x2F) or {@code .} (0x2E) byte never occurs inside a multibyte UTF-8 sequence, and an overlong encoding of either
 * is malformed UTF-8, which the character check refuses and which the kernel would not treat as a separator anyway.
 * Length limits are not checked here: the stream codec refuses a {@code namelen} over 16383 (ENAMETOOLONG) and the
 * file system refuses a component over its own limit.
 *
 * <h2>Characters (lifted by {@code allow-all-names})</h2>
 * Every byte must be printable ASCII (0x20..0x7E, space included) or belong to a strictly well-formed UTF-8 sequence
 * (shortest form only, no encoded surrogates, nothing above U+10FFFF, no truncated sequence, no stray continuation
 * byte) that encodes an allowed code point. A non-ASCII code point is allowed when
 * <ol>
 *   <li>it is a Braille pattern (U+2800..U+28FF; category So, allowed explicitly by the spec), or</li>
 *   <li>all of these hold:
 *     <ul>
 *       <li>its general category is a letter ({@code L*}), a mark ({@code M*}) or a decimal digit ({@code Nd});</li>
 *       <li>its script ({@link UnicodeScript}) is Latin, Greek, Cyrillic, Han, Hangul, Hiragana, Katakana, Common or
 *           Inherited;</li>
 *       <li>it is not a Unicode {@code Default_Ignorable_Code_Point}. Most of those are format characters and fail
 *           the category test anyway, but a few are letters or marks of allowed scripts that render as nothing:
 *           the combining grapheme joiner U+034F, the variation selectors U+FE00..U+FE0F and U+E0100..U+E01EF, and
 *           the Hangul fillers U+115F, U+1160, U+3164 and U+FFA0. Refusing them keeps the promise that no
 *           zero-width or invisible character can hide inside a name;</li>
 *       <li>its bidirectional class is not strong right-to-left (R, AL) nor Arabic number (AN). The only code point
 *           this removes today is U+0640 ARABIC TATWEEL (a Common-script letter of class AL), which would otherwise
 *           let a name reorder its neighbours on screen although right-to-left scripts are refused.</li>
 *     </ul>
 *   </li>
 * </ol>
 * Everything else is refused, in particular: control characters (C0, DEL, C1), surrogates, non-characters and
 * unassigned code points (category Cn), private use, every space but ASCII space (Zs, Zl, Zp), format characters
 * including bidi controls and zero-width characters (Cf), symbols and emoji (S*), non-ASCII punctuation (P*),
 * non-decimal numbers (Nl, No, e.g. Roman numerals or superscripts), and every script not listed above, including all
 * right-to-left ones (Arabic, Hebrew, Syriac, Thaana, NKo, ...).
 *
 * <p>The Unicode data is the running JDK's ({@link Character}). A code point that a newer Unicode version assigns
 * is refused by an older JDK (it is Cn there), which fails closed.
 *
 * <h2>Symlink targets</h2>
 * See {@link #checkLinkTarget}: a link must be at least two components deep, and its target relative, non-empty,
 * free of NUL, within the character rules, and unable to climb above the top-level directory of the copy that holds
 * the link.
 */
public final class NameRules {

    /** errno values returned */
    public static final int OK = 0;
    /** Forbidden character or path form (Linux {@code EILSEQ}). */
    public static final int EILSEQ = Errno.EILSEQ;
    /** A symlink that could point outside the copy (Linux {@code ENOLINK}). */
    public static final int ENOLINK = Errno.ENOLINK;

    private static final byte SLASH = '/';
    private static final byte DOT = '.';

    /** Smallest code point that needs a sequence of the index's length (index 2..4); below it is an overlong form. */
    private static final int[] MIN_FOR_LENGTH = {0, 0, 0x80, 0x800, 0x1_0000};

    /**
     * {@code Default_Ignorable_Code_Point} (Unicode DerivedCoreProperties), as inclusive start/end pairs in ascending
     * order. Only the letters and marks among them matter (the rest fail the category test), but the full list
     * keeps the rule true whatever category a later Unicode version gives them.
     */
    private static final int[] DEFAULT_IGNORABLE = {
        0x00AD, 0x00AD, 0x034F, 0x034F, 0x061C, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180F,
        0x200B, 0x200F, 0x202A, 0x202E, 0x2060, 0x206F, 0x3164, 0x3164, 0xFE00, 0xFE0F, 0xFEFF, 0xFEFF,
        0xFFA0, 0xFFA0, 0xFFF0, 0xFFF8, 0x1BCA0, 0x1BCA3, 0x1D173, 0x1D17A, 0xE0000, 0xE0FFF,
    };

    private NameRules() {
    }

    /**
     * Checks an entry name from the stream (raw bytes, WITHOUT the terminating NUL). Returns OK or EILSEQ.
     *
     * @param name the name's bytes; not modified
     * @param allowAllNames {@code true} when the service argument {@code allow-all-names} was given: lifts the
     *     character check, never the path-form check (a NUL byte is a path-form error and stays refused)
     * @return {@link #OK} or {@link #EILSEQ}
     */
    public static int checkName(byte[] name, boolean allowAllNames) {
        return scan(name, !allowAllNames) > 0 ? OK : EILSEQ;
    }

    /**
     * Checks a symlink: linkPath is the link's own (already checked) entry name, target its raw target bytes.
     * Returns OK, EILSEQ (forbidden character in the target) or ENOLINK (target could point outside the copy, or link
     * too shallow, or target absolute/empty).
     *
     * <p>The checks, in this order (the first failing one decides the result):
     * <ol>
     *   <li>an empty target: {@link #ENOLINK};</li>
     *   <li>an absolute target (first byte {@code /}): {@link #ENOLINK};</li>
     *   <li>a NUL byte in the target, or (unless {@code allowAllNames}) a character that {@link #charactersAllowed}
     *       refuses: {@link #EILSEQ};</li>
     *   <li>a link fewer than two components deep ({@code ln} at the top of the copy), or a {@code linkPath} that
     *       is not in valid path form (the caller should have refused it already): {@link #ENOLINK};</li>
     *   <li>more leading {@code ..} components than {@code depth - 2}, where depth is the number of components of
     *       {@code linkPath}, or any {@code ..} after a normal component: {@link #ENOLINK}.</li>
     * </ol>
     *
     * <p>Empty components ({@code a//b}, a trailing {@code /}) and {@code .} components ({@code ./x}, {@code x/.}) are
     * accepted in a target, as the kernel resolves them harmlessly: they are not normal components (a {@code ..}
     * after them still counts as leading) and they do not change the {@code ..} budget. So with link {@code a/b/ln},
     * {@code ./../x} and {@code ..//x} are accepted and {@code ./../../x} is refused. A {@code ..} after a normal
     * component ({@code x/../y}) is always refused because {@code x} may itself be a symlink, so the climb could not
     * be verified. Leading {@code ..} components only walk up through the link's own parent directories, which the
     * receiver created as real directories, so a budget of {@code depth - 2} keeps every accepted target inside the
     * top-level directory of the copy that holds the link; links inside that tree are themselves checked the same way.
     *
     * @param linkPath the link's own entry name (already accepted by {@link #checkName})
     * @param target the raw target bytes (no NUL terminator)
     * @param allowAllNames lifts the character check on the target (never the NUL check nor any {@code ENOLINK} rule)
     * @return {@link #OK}, {@link #EILSEQ} or {@link #ENOLINK}
     */
    public static int checkLinkTarget(byte[] linkPath, byte[] target, boolean allowAllNames) {
        int n = target.length;
        if (n == 0 || target[0] == SLASH) {
            return ENOLINK;
        }
        if (allowAllNames ? containsNul(target) : !charactersAllowed(target)) {
            return EILSEQ;
        }
        int depth = scan(linkPath, false);
        if (depth < 2) {
            return ENOLINK;
        }
        int dotDotBudget = depth - 2;
        boolean afterNormal = false;
        int start = 0;
        while (start <= n) {
            int end = start;
            while (end < n && target[end] != SLASH) {
                end++;
            }
            int len = end - start;
            if (len == 2 && target[start] == DOT && target[start + 1] == DOT) {
                if (afterNormal || dotDotBudget == 0) {
                    return ENOLINK;
                }
                dotDotBudget--;
            } else if (len != 0 && !(len == 1 && target[start] == DOT)) {
                afterNormal = true;
            }
            start = end + 1;
        }
        return OK;
    }

    /**
     * True when every character of the UTF-8 bytes is allowed (the character check alone, no path-form check); used by
     * the sender to decide whether it must ask for allow-all-names.
     *
     * <p>{@code /} and {@code .} are printable ASCII, so paths like {@code a/b} or {@code ..} pass here; an empty array
     * passes too. A NUL byte is a control character and fails.
     *
     * @param utf8 the bytes to check; not modified
     * @return {@code true} when every byte is printable ASCII or part of a well-formed sequence of an allowed code
     *     point
     */
    public static boolean charactersAllowed(byte[] utf8) {
        int n = utf8.length;
        int i = 0;
        while (i < n) {
            int b = utf8[i];
            if (b >= 0x20 && b <= 0x7E) {
                i++;
                continue;
            }
            int len = allowedSequenceLength(utf8, i);
            if (len == 0) {
                return false;
            }
            i += len;
        }
        return true;
    }

    /**
     * Scans a name for its path form and, when {@code checkCharacters}, its characters.
     *
     * @return the number of components ({@code >= 1}) when the name passes, or 0 when it must be refused
     */
    private static int scan(byte[] name, boolean checkCharacters) {
        int n = name.length;
        if (n == 0) {
            return 0;
        }
        int components = 1;
        int componentStart = 0;
        int i = 0;
        while (i < n) {
            int b = name[i];
            if (b >= 0x20 && b <= 0x7E) {
                if (b == SLASH) {
                    if (!normalComponent(name, componentStart, i)) {
                        return 0; // leading '/', '//', '.' or '..'
                    }
                    components++;
                    componentStart = i + 1;
                }
                i++;
            } else if (b == 0) {
                return 0;
            } else if (!checkCharacters) {
                i++;
            } else {
                int len = allowedSequenceLength(name, i);
                if (len == 0) {
                    return 0;
                }
                i += len;
            }
        }
        // The last component: empty when the name ends with '/'.
        return normalComponent(name, componentStart, n) ? components : 0;
    }

    /** True when {@code s[start, end)} is neither empty nor {@code .} nor {@code ..}. */
    private static boolean normalComponent(byte[] s, int start, int end) {
        int len = end - start;
        return switch (len) {
            case 0 -> false;
            case 1 -> s[start] != DOT;
            case 2 -> s[start] != DOT || s[start + 1] != DOT;
            default -> true;
        };
    }

    private static boolean containsNul(byte[] s) {
        for (byte b : s) {
            if (b == 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Decodes the non-ASCII sequence starting at {@code s[i]} strictly.
     *
     * @return its length (2..4) when it is a well-formed UTF-8 sequence of an allowed code point, else 0 (also for
     *     an ASCII byte, which the callers handle themselves)
     */
    private static int allowedSequenceLength(byte[] s, int i) {
        int lead = s[i] & 0xFF;
        int len;
        int cp;
        if ((lead & 0xE0) == 0xC0) {
            len = 2;
            cp = lead & 0x1F;
        } else if ((lead & 0xF0) == 0xE0) {
            len = 3;
            cp = lead & 0x0F;
        } else if ((lead & 0xF8) == 0xF0) {
            len = 4;
            cp = lead & 0x07;
        } else {
            return 0; // ASCII, a stray continuation byte (10xxxxxx), or 0xF8..0xFF
        }
        if (s.length - i < len) {
            return 0; // truncated at the end
        }
        for (int k = 1; k < len; k++) {
            int c = s[i + k] & 0xFF;
            if ((c & 0xC0) != 0x80) {
                return 0; // truncated in the middle
            }
            cp = (cp << 6) | (c & 0x3F);
        }
        if (cp < MIN_FOR_LENGTH[len] || cp > Character.MAX_CODE_POINT
                || (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE)) {
            return 0; // overlong, beyond U+10FFFF, or an encoded surrogate
        }
        return isAllowedCodePoint(cp) ? len : 0;
    }

    /** The character rule for one code point (ASCII included); package-private for exhaustive tests. */
    static boolean isAllowedCodePoint(int cp) {
        if (cp < 0x80) {
            return cp >= 0x20 && cp <= 0x7E;
        }
        if (cp >= 0x2800 && cp <= 0x28FF) {
            return true; // Braille patterns: category So, but the spec allows the Braille script
        }
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER,
                    Character.NON_SPACING_MARK, Character.COMBINING_SPACING_MARK, Character.ENCLOSING_MARK,
                    Character.DECIMAL_DIGIT_NUMBER -> {
                // candidate; the script and the exclusions below decide
            }
            default -> {
                return false;
            }
        }
        if (!allowedScript(UnicodeScript.of(cp)) || isDefaultIgnorable(cp)) {
            return false;
        }
        return switch (Character.getDirectionality(cp)) {
            case Character.DIRECTIONALITY_RIGHT_TO_LEFT, Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC,
                    Character.DIRECTIONALITY_ARABIC_NUMBER -> false;
            default -> true;
        };
    }

    private static boolean allowedScript(UnicodeScript script) {
        return switch (script) {
            case LATIN, GREEK, CYRILLIC, HAN, HANGUL, HIRAGANA, KATAKANA, BRAILLE, COMMON, INHERITED -> true;
            default -> false;
        };
    }

    private static boolean isDefaultIgnorable(int cp) {
        int[] ranges = DEFAULT_IGNORABLE;
        for (int k = 0; k < ranges.length && cp >= ranges[k]; k += 2) {
            if (cp <= ranges[k + 1]) {
                return true;
            }
        }
        return false;
    }
}
