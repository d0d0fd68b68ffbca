package dev.airlock.pendrive.host;

import dev.airlock.pendrive.wire.ChannelResponse;

/** A block request the host refuses; {@code code} goes back to the domain. */
final class DeviceRefusal extends Exception {
    private final ChannelResponse.Code code;

    DeviceRefusal(ChannelResponse.Code code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    ChannelResponse.Code code() {
        return code;
    }
}
