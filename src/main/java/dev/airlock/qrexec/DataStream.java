package dev.airlock.qrexec;

/**
 * The three byte streams of a call, named from the service's side: the caller writes the service's stdin and reads
 * its stdout and stderr.
 */
public enum DataStream {
    STDIN(Wire.DATA_STDIN),
    STDOUT(Wire.DATA_STDOUT),
    STDERR(Wire.DATA_STDERR);

    final int type;

    DataStream(int type) {
        this.type = type;
    }
}
