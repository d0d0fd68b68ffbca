package dev.airlock.cli;

import dev.airlock.filecopy.Packer;

import java.io.PrintStream;

/**
 * Progress for programs: the cumulative count of content bytes sent, one number per line, at most ten lines a
 * second, and always the final count.
 */
final class ByteCountProgress implements Packer.Progress {
    private final Throttle interval = new Throttle(100_000_000L);

    private final PrintStream err;
    private long lastPrinted = -1;
    private long sent;

    ByteCountProgress(PrintStream err) {
        this.err = err;
    }

    @Override
    public void start(long totalBytes) {
        print(0);
    }

    @Override
    public void sent(long bytes) {
        sent = bytes;
        if (interval.ready()) {
            print(bytes);
        }
    }

    @Override
    public void finish(boolean success) {
        print(sent);
    }

    private void print(long bytes) {
        if (bytes != lastPrinted) {
            lastPrinted = bytes;
            err.println(bytes);
            err.flush();
        }
    }
}
