package dev.airlock.sys;

import java.io.IOException;

/** A peer sent descriptors or ancillary data that its {@link UnixSocket} does not accept; the socket has failed. */
public final class DescriptorRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    DescriptorRefusedException(String message) {
        super(message);
    }
}
