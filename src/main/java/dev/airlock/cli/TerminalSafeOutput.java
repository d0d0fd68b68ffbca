package dev.airlock.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Passes another domain's messages to the user's terminal: control bytes other than newline and tab become
 * {@code ?} (so they cannot drive the terminal), and past {@value #MAX} bytes the rest is dropped.
 */
final class TerminalSafeOutput extends FilterOutputStream {
    static final int MAX = 64 * 1024;
    private long written;

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
        out.write(c < 0x20 && c != '\n' && c != '\t' || c == 0x7f ? '?' : c);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        for (int i = 0; i < len; i++) {
            write(b[off + i]);
        }
        out.flush();
    }
}
