package dev.airlock.pendrive.wire;

import java.util.Objects;
import java.util.Optional;

/** What the host answers on a pendrive channel: one response per request, or events after a watch. */
public sealed interface ChannelResponse {

    /** Why a request was refused. */
    enum Code {
        /** The request was not well formed (a bad path or value). */
        INVALID,
        /** The key is outside the domain's subtree, or the domain may not change it. */
        PERMISSION,
        /** A quota of the key store was reached. */
        LIMIT,
        /** The device is not attached to this domain now. */
        NOT_ATTACHED,
        /** The device is attached read-only. */
        READ_ONLY,
        /** The byte range is not inside the device. */
        OUT_OF_RANGE,
        /** The host failed. */
        FAILED
    }

    /** The request was carried out. */
    record Done() implements ChannelResponse {
    }

    /** A key's value, empty when no key is there. */
    record Value(Optional<String> value) implements ChannelResponse {
        public Value {
            Objects.requireNonNull(value);
        }
    }

    /** A device's size in bytes. */
    record Size(long bytes) implements ChannelResponse {
        public Size {
            if (bytes < 0) {
                throw new IllegalArgumentException("negative size " + bytes);
            }
        }
    }

    /** Bytes read from a device. */
    record Data(byte[] bytes) implements ChannelResponse {
        public Data {
            if (bytes.length < 1 || bytes.length > ChannelCodec.MAX_BLOCK) {
                throw new IllegalArgumentException("bad data length " + bytes.length);
            }
        }
    }

    /** The request was refused. */
    record Failed(Code code, String message) implements ChannelResponse {
        public Failed {
            Objects.requireNonNull(code);
            Objects.requireNonNull(message);
        }
    }

    /** A watched key changed. */
    sealed interface Event extends ChannelResponse {
    }

    /** {@code path} was written with {@code value}. */
    record Written(String path, String value) implements Event {
        public Written {
            Objects.requireNonNull(path);
            Objects.requireNonNull(value);
        }
    }

    /** {@code path} and everything below it were removed. */
    record Removed(String path) implements Event {
        public Removed {
            Objects.requireNonNull(path);
        }
    }

    /** Changes were dropped: read the keys again. */
    record Overflow() implements Event {
    }
}
