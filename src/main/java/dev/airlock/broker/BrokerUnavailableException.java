package dev.airlock.broker;

import java.io.IOException;

/** No broker answers on the admin socket. */
public final class BrokerUnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    BrokerUnavailableException(String message) {
        super(message);
    }
}
