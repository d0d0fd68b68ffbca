package dev.airlock.cli;

import dev.airlock.filecopy.Packer;
import dev.airlock.sys.Posix;

import java.io.PrintStream;

/** How a sender shows progress: {@code bar} on a terminal, {@code bytes} for programs, or {@code none}. */
enum ProgressMode {
    bar, bytes, none;

    /** The mode to use when none was asked for: a bar when standard error is a terminal. */
    static ProgressMode byDefault() {
        return Posix.isatty(2) ? bar : none;
    }

    Packer.Progress create(PrintStream err) {
        return switch (this) {
            case bar -> new ProgressBar(err);
            case bytes -> new ByteCountProgress(err);
            case none -> Packer.Progress.NONE;
        };
    }
}
