package dev.airlock.cli;

import dev.airlock.filecopy.Packer;

import java.io.PrintStream;

/**
 * Progress for programs: the cumulative count of content bytes sent, one number per line, at most ten lines a
 * second, and always the final count.
 */
final class ByteCountProgress implements Packer.Progress {
    private static final long INTERVAL_NANOS = 100_000_000L;

    private final PrintStream err;
    private long lastPrinted = -1;
    private long lastNanos;
    private long sent;

    ByteCountProgress(PrintStream err) {
        this.err = err;
    }

    @Override
    public void start(long totalBytes) {
        lastNanos = System.nanoTime() - INTERVAL_NANOS;
        print(0);
    }

    @Override
    public void sent(long bytes) {
        sent = bytes;
        long now = System.nanoTime();
        if (now - lastNanos >= INTERVAL_NANOS) {
            lastNanos = now;
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
