package dev.airlock.pendrive.wire;

import dev.airlock.pendrive.Device;

import java.util.Objects;

/** What a domain asks of the host on its pendrive channel. Key paths are relative to its own subtree or absolute. */
public sealed interface ChannelRequest {

    /** The value of a key. */
    record Read(String path) implements ChannelRequest {
        public Read {
            Objects.requireNonNull(path);
        }
    }

    /** Writes a key. */
    record Write(String path, String value) implements ChannelRequest {
        public Write {
            Objects.requireNonNull(path);
            Objects.requireNonNull(value);
        }
    }

    /** Removes a key and everything below it. */
    record Remove(String path) implements ChannelRequest {
        public Remove {
            Objects.requireNonNull(path);
        }
    }

    /** Watches a key: the connection then carries only {@link ChannelResponse.Event}s until it is closed. */
    record Watch(String path) implements ChannelRequest {
        public Watch {
            Objects.requireNonNull(path);
        }
    }

    /** The size of an attached device. */
    record DeviceSize(Device device) implements ChannelRequest {
        public DeviceSize {
            Objects.requireNonNull(device);
        }
    }

    /** Reads {@code length} bytes (1 to {@link ChannelCodec#MAX_BLOCK}) at {@code offset}. */
    record BlockRead(Device device, long offset, int length) implements ChannelRequest {
        public BlockRead {
            Objects.requireNonNull(device);
            if (offset < 0 || length < 1 || length > ChannelCodec.MAX_BLOCK) {
                throw new IllegalArgumentException("bad block read: offset " + offset + ", length " + length);
            }
        }
    }

    /** Writes {@code data} (1 to {@link ChannelCodec#MAX_BLOCK} bytes) at {@code offset}. */
    record BlockWrite(Device device, long offset, byte[] data) implements ChannelRequest {
        public BlockWrite {
            Objects.requireNonNull(device);
            if (offset < 0 || data.length < 1 || data.length > ChannelCodec.MAX_BLOCK) {
                throw new IllegalArgumentException("bad block write: offset " + offset + ", length " + data.length);
            }
        }
    }
}
