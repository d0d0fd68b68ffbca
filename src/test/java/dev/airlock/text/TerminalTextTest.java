package dev.airlock.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** What a name from a domain may not do on the user's terminal once escaped. */
class TerminalTextTest {

    @Test
    void terminalEscapeInAFileNameCannotRetitleOrRewriteTheTerminal() {
        String name = "report\u001b]0;owned\u0007\u001b[2J\r\u009b31m.txt";
        assertThat(TerminalText.escape(name))
                .isEqualTo("report\\u001b]0;owned\\u0007\\u001b[2J\\u000d\\u009b31m.txt")
                .doesNotContain("\u001b").doesNotContain("\u0007").doesNotContain("\r").doesNotContain("\u009b");
    }

    @Test
    void rightToLeftOverrideCannotDisguiseAnExtension() {
        // Shown by a terminal as "invoice-exe.pdf".
        assertThat(TerminalText.escape("invoice-\u202efdp.exe")).isEqualTo("invoice-\\u202efdp.exe");
    }

    @ParameterizedTest
    @ValueSource(ints = {0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f,
            0x061c, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad, 0x2028, 0x2029, 0x7f, 0x80, 0x9f, 0x00, 0x0a,
            0x1b, 0xe0001, 0xd800})
    void everyBidiControlAndInvisibleCharacterIsEscaped(int cp) {
        String escaped = TerminalText.escape("a" + new String(Character.toChars(cp)) + "b");
        assertThat(TerminalText.hides(cp)).isTrue();
        assertThat(escaped).startsWith("a\\").endsWith("b").hasSizeGreaterThan(3)
                .matches("a\\\\(u[0-9a-f]{4}|U[0-9a-f]{8})b");
    }

    @Test
    void ordinaryNamesInAnyScriptAreShownAsTheyAre() {
        for (String s : new String[] {"notes.txt", "Übersicht 2024.odt", "отчёт.pdf", "報告書.doc", "a\tb",
                "שלום.txt", "emoji-\ud83d\ude00.png"}) {
            assertThat(TerminalText.escape(s)).isEqualTo(s);
        }
    }
}
