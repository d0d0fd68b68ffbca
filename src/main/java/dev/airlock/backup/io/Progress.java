package dev.airlock.backup.io;

/** What a backup or restore reports as it goes, for a progress bar. */
public interface Progress {
    /** Nothing reported. */
    Progress NONE = new Progress() {
        @Override
        public void start(long totalBytes) {
        }

        @Override
        public void advanced(long bytes) {
        }

        @Override
        public void finish(boolean success) {
        }
    };

    /** The work is {@code totalBytes} of files. */
    void start(long totalBytes);

    /** {@code bytes} more were done. */
    void advanced(long bytes);

    /** The work ended, done or not. */
    void finish(boolean success);
}
