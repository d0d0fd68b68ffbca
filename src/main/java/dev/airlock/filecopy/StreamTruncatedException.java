package dev.airlock.filecopy;

import java.io.IOException;

/** The input ended before the stream did. */
final class StreamTruncatedException extends IOException {
    private static final long serialVersionUID = 1L;

    StreamTruncatedException() {
        super("stream ended early");
    }
}
