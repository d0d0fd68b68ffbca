package dev.airlock.pendrive.wire;

import java.io.IOException;

/** A frame that breaks the protocol: the connection is over. */
public final class ChannelProtocolException extends IOException {
    ChannelProtocolException(String message) {
        super(message);
    }
}
