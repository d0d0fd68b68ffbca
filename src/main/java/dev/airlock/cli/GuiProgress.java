package dev.airlock.cli;

import dev.airlock.filecopy.Packer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Progress in a window, for a copy started from a desktop (a file manager's "Send to VM"): once the copy has run
 * {@link #DELAY_MILLIS} (a shorter one shows nothing), {@code zenity --progress} on this process's display, fed the
 * percentage and a line of text through its standard input. Its Cancel stops the copy ({@link #cancelled}), which
 * then ends short: the receiver keeps nothing partial. Inside a domain the display is the domain's own, so the window
 * carries the domain's border: it is the domain's own progress, not the host's.
 */
final class GuiProgress implements Packer.Progress {
    static final Path ZENITY = Path.of("/usr/bin/zenity");
    /** A copy shorter than this shows no window at all. */
    static final long DELAY_MILLIS = 1000;
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final int WIDTH = 420;
    /** The most of zenity's error output read, to tell a window that failed from a Cancel. */
    private static final int MAX_ERROR_BYTES = 4096;

    private final String title;
    private final List<String> zenity;
    private final Throttle redraw = new Throttle(REDRAW_NANOS);
    private long total;
    private long sent;
    private Process window;
    private Writer feed;
    /** Set once the copy is over: the window closing then is ours, not the person's Cancel. */
    private boolean over;
    private volatile boolean cancelled;

    /** A window titled {@code title} ("Copying files to work"), shown with {@code zenity}'s command line. */
    GuiProgress(String title, List<String> zenity) {
        this.title = title;
        this.zenity = List.copyOf(zenity);
    }

    /** A window titled {@code title}, shown by the installed zenity. */
    GuiProgress(String title) {
        this(title, List.of(ZENITY.toString()));
    }

    /** Whether a window can be shown here: a display in {@code env} and zenity installed. */
    static boolean available(Map<String, String> env) {
        String display = env.get("DISPLAY");
        return display != null && !display.isEmpty() && Files.isExecutable(ZENITY);
    }

    @Override
    public synchronized void start(long totalBytes) {
        total = totalBytes;
        Thread.ofPlatform().daemon().name("airlock-progress-window").start(() -> {
            try {
                Thread.sleep(DELAY_MILLIS);
                open();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Override
    public synchronized void sent(long bytes) {
        sent = bytes;
        if (feed != null && redraw.ready()) {
            update();
        }
    }

    @Override
    public boolean cancelled() {
        return cancelled;
    }

    @Override
    public synchronized void finish(boolean success) {
        over = true;
        if (window == null) {
            return;
        }
        try {
            feed.close();
        } catch (IOException e) {
            // The window is going anyway.
        }
        window.destroy();
    }

    private synchronized void open() {
        if (over || window != null) {
            return;
        }
        List<String> argv = new ArrayList<>(zenity);
        // Wide enough for the window manager to show the whole title, with the domain's prefix.
        argv.addAll(List.of("--progress", "--title=" + title, "--text=" + text(), "--percentage=" + percent(),
                "--width=" + WIDTH));
        try {
            window = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.PIPE)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException e) {
            // No window: the copy goes on without one.
            return;
        }
        feed = new OutputStreamWriter(window.getOutputStream(), StandardCharsets.UTF_8);
        Process w = window;
        Thread.ofPlatform().daemon().name("airlock-progress-cancel").start(() -> watch(w));
    }

    /**
     * Waits for the window to close: before the copy is over, with zenity's exit code for Cancel (1) and not for
     * want of a display (GTK then says so, and exits with 1 too), that is the Cancel button.
     */
    private void watch(Process w) {
        byte[] error;
        try (InputStream in = w.getErrorStream()) {
            error = in.readNBytes(MAX_ERROR_BYTES);
            int code = w.waitFor();
            synchronized (this) {
                if (!over && code == 1 && !new String(error, StandardCharsets.UTF_8).contains("cannot open display")) {
                    cancelled = true;
                }
            }
        } catch (IOException e) {
            // Its error output failed: not a Cancel anyone pressed.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void update() {
        try {
            feed.write(percent() + "\n# " + text() + "\n");
            feed.flush();
        } catch (IOException e) {
            // The window closed: its watcher tells a Cancel from a failure.
        }
    }

    private int percent() {
        return total == 0 ? 0 : (int) Math.min(99, sent * 100 / total);
    }

    /** Numbers only: zenity reads the text as Pango markup. */
    private String text() {
        return String.format(Locale.ROOT, "%s of %s", ProgressBar.human(sent), ProgressBar.human(total));
    }
}
