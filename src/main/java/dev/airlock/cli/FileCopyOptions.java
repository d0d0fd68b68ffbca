package dev.airlock.cli;

import picocli.CommandLine.Option;

/**
 * The options Qubes' {@code qvm-copy}, {@code qvm-move}, {@code qvm-copy-to-vm} and {@code qvm-move-to-vm} take, with
 * Qubes' meaning, so that scripts written for Qubes run unchanged. Each pair sets one switch and the last one given
 * wins, as in Qubes' option loop.
 */
final class FileCopyOptions {
    private ProgressMode progress;
    private boolean ignoreSymlinks;

    @Option(names = "--with-progress", description = "Show progress on standard error (on a terminal, the default).")
    void withProgress(boolean unused) {
        progress = ProgressMode.bar;
    }

    @Option(names = "--without-progress", description = "Show no progress.")
    void withoutProgress(boolean unused) {
        progress = ProgressMode.none;
    }

    @Option(names = "--progress", paramLabel = "MODE",
            description = "bar (on standard error), bytes (cumulative byte counts, one per line, on standard error), "
                    + "gui (a window with Cancel after about 1 s, for file-manager actions; Cancel stops the copy "
                    + "and the receiver keeps nothing partial) or none. Default: bar on a terminal, else gui when "
                    + "DISPLAY is set and zenity is installed, else none.")
    void progress(ProgressMode mode) {
        progress = mode;
    }

    @Option(names = "--ignore-symlinks",
            description = "Skip symbolic links: they are neither checked nor sent.")
    void ignoreSymlinks(boolean unused) {
        ignoreSymlinks = true;
    }

    @Option(names = "--no-ignore-symlinks",
            description = "Send symbolic links (the default); one the receiver would refuse stops the copy before "
                    + "anything is sent.")
    void noIgnoreSymlinks(boolean unused) {
        ignoreSymlinks = false;
    }

    boolean ignoreSymlinks() {
        return ignoreSymlinks;
    }

    /**
     * The progress shown: Qubes shows it unless told not to; airlock draws it only where someone can see it (a
     * terminal, or a window on the desktop the copy was started from), unless an option asks for it anyway.
     */
    ProgressMode progress() {
        return progress != null ? progress : ProgressMode.forSender(Invocation.current().env());
    }
}
