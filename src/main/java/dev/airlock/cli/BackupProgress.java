package dev.airlock.cli;

import dev.airlock.backup.io.Progress;
import dev.airlock.filecopy.Packer;

/** The progress of {@code airlock backup} and {@code airlock restore}: the copy's bar, on a terminal only. */
final class BackupProgress {

    private BackupProgress() {
    }

    /** A progress bar on standard error when it is a terminal, else nothing. */
    static Progress onTerminal() {
        ProgressMode mode = ProgressMode.byDefault();
        if (mode == ProgressMode.none) {
            return Progress.NONE;
        }
        Packer.Progress bar = mode.create(Invocation.current().errPrint());
        return new Progress() {
            private long done;

            @Override
            public void start(long totalBytes) {
                bar.start(totalBytes);
            }

            @Override
            public void advanced(long bytes) {
                done += bytes;
                bar.sent(done);
            }

            @Override
            public void finish(boolean success) {
                bar.finish(success);
            }
        };
    }
}
