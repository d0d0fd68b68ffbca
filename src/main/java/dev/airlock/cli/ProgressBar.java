package dev.airlock.cli;

import dev.airlock.filecopy.Packer;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar on a terminal, redrawn in place at most ten times a second. */
final class ProgressBar implements Packer.Progress {
    private static final long REDRAW_NANOS = 100_000_000L;
    private final Throttle redraw = new Throttle(REDRAW_NANOS);
    private static final int WIDTH = 30;

    private final PrintStream err;
    private long total;
    private long startNanos;
    private long sent;

    ProgressBar(PrintStream err) {
        this.err = err;
    }

    @Override
    public void start(long totalBytes) {
        total = totalBytes;
        startNanos = System.nanoTime();
    }

    @Override
    public void sent(long bytes) {
        sent = bytes;
        if (redraw.ready()) {
            draw(System.nanoTime());
        }
    }

    @Override
    public void finish(boolean success) {
        draw(System.nanoTime());
        err.println(success ? "" : " (stopped)");
        err.flush();
    }

    private void draw(long now) {
        double fraction = total == 0 ? 1.0 : Math.min(1.0, (double) sent / total);
        int filled = (int) Math.round(fraction * WIDTH);
        double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
        err.print(String.format(Locale.ROOT, "\r[%s%s] %3d%% %s/%s %s/s ", "#".repeat(filled),
                ".".repeat(WIDTH - filled), (int) (fraction * 100), human(sent), human(total),
                human((long) (sent / seconds))));
        err.flush();
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = -1;
        do {
            v /= 1024;
            u++;
        } while (v >= 1024 && u < units.length - 1);
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
