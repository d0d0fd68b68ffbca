package dev.airlock.clipboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** What one copy takes from a domain: bounded, classified, and never shown. */
class ClipTest {
    private static byte[] filled(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 'a');
        return b;
    }

    @Test
    void clipboardOfExactlyTheLimitIsCopiedWhole() throws Exception {
        Clip c = Clip.of("work", filled(Clip.MAX_BYTES));

        assertThat(Clip.MAX_BYTES).isEqualTo(256 * 1024);
        assertThat(c.size()).isEqualTo(Clip.MAX_BYTES);
        assertThat(c.bytes()).isEqualTo(filled(Clip.MAX_BYTES));
    }

    @Test
    void clipboardOverTheLimitIsRefusedNeverCut() {
        assertThatThrownBy(() -> Clip.of("work", filled(Clip.MAX_BYTES + 1)))
                .isInstanceOf(ClipboardRefusal.class)
                .hasMessage("work's clipboard holds more than 256 KiB, the most the clipboard carries; nothing was "
                        + "copied (send bigger data as a file: qvm-copy)");
        assertThatThrownBy(() -> new Clip("work", Clip.Kind.TEXT, filled(Clip.MAX_BYTES + 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void emptyClipboardIsNotCopied() {
        assertThatThrownBy(() -> Clip.of("work", new byte[0])).isInstanceOf(ClipboardRefusal.class)
                .hasMessage("work's clipboard is empty; nothing was copied");
    }

    @Test
    void invalidUtf8IsNotPassedOffAsText() throws Exception {
        byte[][] notText = {
                {(byte) 0xc0, (byte) 0xaf},             // overlong '/'
                {'a', (byte) 0x80, 'b'},                 // stray continuation byte
                {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // an encoded surrogate
                {(byte) 0xe2, (byte) 0x82},              // cut in the middle of a character
                {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
                {'a', 0, 'b'},                           // NUL, which ends a C string early
        };
        for (byte[] b : notText) {
            Clip c = Clip.of("work", b);
            assertThat(c.kind()).as(Arrays.toString(b)).isEqualTo(Clip.Kind.BINARY);
            assertThat(c.policyArgument()).isEqualTo(Clip.BINARY_ARGUMENT);
        }
        Clip text = Clip.of("work", "Grüße, 東京, 🙂".getBytes(StandardCharsets.UTF_8));
        assertThat(text.kind()).isEqualTo(Clip.Kind.TEXT);
        assertThat(text.policyArgument()).isEmpty();
    }

    @Test
    void hostileControlCharactersArePastedVerbatimButNeverShown() throws Exception {
        String hostile = "ls\u001b]0;owned\u0007\u001b[2J\r\nrm -rf ~\u202e";
        byte[] bytes = hostile.getBytes(StandardCharsets.UTF_8);
        Clip c = Clip.of("work", bytes);

        assertThat(c.kind()).isEqualTo(Clip.Kind.TEXT);
        assertThat(c.bytes()).isEqualTo(bytes);
        for (String shown : new String[] {c.toString(), c.describe()}) {
            assertThat(shown).doesNotContain("\u001b", "\u0007", "\u202e", "owned", "rm -rf", "ls");
            assertThat(shown).contains("work").contains(Integer.toString(bytes.length));
        }
    }

    @Test
    void clipCannotBeChangedThroughArraysItSharedWithOthers() throws Exception {
        byte[] read = "secret".getBytes(StandardCharsets.UTF_8);
        Clip c = Clip.of("work", read);
        read[0] = 'X';
        c.bytes()[1] = 'Y';

        assertThat(c.bytes()).isEqualTo("secret".getBytes(StandardCharsets.UTF_8));
    }
}
