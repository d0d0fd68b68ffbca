package dev.airlock.pendrive.client;

import dev.airlock.pendrive.wire.ChannelResponse;

import java.io.IOException;

/** The host refused a request on the pendrive channel. */
public final class ChannelRefusedException extends IOException {
    private final ChannelResponse.Code code;

    ChannelRefusedException(ChannelResponse.Code code, String message) {
        super(message);
        this.code = code;
    }

    /** Why. */
    public ChannelResponse.Code code() {
        return code;
    }
}
