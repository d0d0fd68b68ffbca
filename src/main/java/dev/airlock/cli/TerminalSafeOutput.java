package dev.airlock.cli;

import dev.airlock.text.TerminalText;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Passes another domain's messages to the user's terminal: control characters other than newline and tab, C1
 * controls, bidi and other invisible characters (see {@link TerminalText#hides}) and bytes that are not UTF-8
 * become {@code ?}, so they can neither drive the terminal nor disguise a name; past {@value #MAX} bytes the rest is
 * dropped. Decodes UTF-8 as it comes, since a C1 control or U+202E is several bytes of which none is a control.
 */
final class TerminalSafeOutput extends FilterOutputStream {
    static final int MAX = 64 * 1024;
    private static final int[] MIN_CODE_POINT = {0, 0, 0x80, 0x800, 0x10000};
    private long written;
    /** The bytes of a character begun in an earlier write, and how many it has in all (0: none begun). */
    private final byte[] pending = new byte[4];
    private int have;
    private int need;

    TerminalSafeOutput(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        if (written >= MAX) {
            return;
        }
        written++;
        int c = b & 0xff;
        if (need > 0) {
            if ((c & 0xc0) == 0x80) {
                pending[have++] = (byte) c;
                if (have == need) {
                    character();
                }
                return;
            }
            // A character cut short: it is shown as one '?', and this byte starts afresh.
            out.write('?');
            need = 0;
        }
        if (c < 0x80) {
            out.write(c < 0x20 && c != '\n' && c != '\t' || c == 0x7f ? '?' : c);
            return;
        }
        int length = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        if (length == 0) {
            out.write('?');
            return;
        }
        pending[0] = (byte) c;
        have = 1;
        need = length;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        for (int i = 0; i < len; i++) {
            write(b[off + i]);
        }
        out.flush();
    }

    /** Shows a character the stream ended in the middle of, and flushes; the stream beneath stays open. */
    void finish() throws IOException {
        if (need > 0) {
            out.write('?');
            need = 0;
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        finish();
        super.close();
    }

    private void character() throws IOException {
        int cp = pending[0] & (0xff >> (need + 1));
        for (int i = 1; i < need; i++) {
            cp = cp << 6 | pending[i] & 0x3f;
        }
        // Over-long forms and surrogates are not UTF-8: a terminal might read them as what they spell.
        boolean valid = cp >= MIN_CODE_POINT[need] && cp <= Character.MAX_CODE_POINT
                && !(cp >= 0xd800 && cp <= 0xdfff);
        if (valid && !TerminalText.hides(cp)) {
            out.write(pending, 0, need);
        } else {
            out.write('?');
        }
        need = 0;
    }
}
