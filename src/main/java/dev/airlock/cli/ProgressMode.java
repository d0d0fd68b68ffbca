package dev.airlock.cli;

import dev.airlock.filecopy.Packer;

import java.io.PrintStream;
import java.util.Map;

/**
 * How a sender shows progress: {@code bar} on a terminal, {@code bytes} for programs, {@code gui} in a window (with
 * Cancel) for a copy started from a desktop, or {@code none}.
 */
enum ProgressMode {
    bar, bytes, gui, none;

    /** The mode to use when none was asked for: a bar when standard error is a terminal. */
    static ProgressMode byDefault() {
        return Invocation.current().isTerminal(2) ? bar : none;
    }

    /**
     * The default of {@code qvm-copy} and its kin, which a file manager's "Send to VM" runs without a terminal: a bar
     * on a terminal, else a window when {@code env} has a display and zenity is installed, else none.
     */
    static ProgressMode forSender(Map<String, String> env) {
        if (Invocation.current().isTerminal(2)) {
            return bar;
        }
        return GuiProgress.available(env) ? gui : none;
    }

    Packer.Progress create(PrintStream err) {
        return create(err, "Copying files");
    }

    /** The progress; {@code title} names the window of {@code gui} ("Copying files to work"). */
    Packer.Progress create(PrintStream err, String title) {
        return switch (this) {
            case bar -> new ProgressBar(err);
            case bytes -> new ByteCountProgress(err);
            case gui -> new GuiProgress(title);
            case none -> Packer.Progress.NONE;
        };
    }
}
