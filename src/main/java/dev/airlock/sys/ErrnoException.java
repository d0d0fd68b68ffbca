package dev.airlock.sys;

import java.io.IOException;

/** A failed system call: carries the call's name and the {@code errno} value so callers can map it. */
public final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    ErrnoException(String call, int errno) {
        super(call + ": " + Errno.describe(errno));
        this.errno = errno;
    }

    /** The Linux errno value. */
    public int errno() {
        return errno;
    }
}
