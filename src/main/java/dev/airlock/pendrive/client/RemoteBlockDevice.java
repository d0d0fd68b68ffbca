package dev.airlock.pendrive.client;

import dev.airlock.pendrive.Device;
import dev.airlock.pendrive.fat.BlockDevice;
import dev.airlock.pendrive.wire.ChannelCodec;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A pendrive attached to this domain, reached through the host's pendrive channel in pieces of at most
 * {@link ChannelCodec#MAX_BLOCK} bytes. The host answers each request only while the device is attached here, so
 * a detached pendrive fails every call from then on.
 */
public final class RemoteBlockDevice implements BlockDevice {
    private final PenChannel channel;
    private final Device device;
    private final long size;

    private RemoteBlockDevice(PenChannel channel, Device device, long size) {
        this.channel = channel;
        this.device = device;
        this.size = size;
    }

    /** Opens {@code device} over {@code channel}, which stays the caller's to close. */
    public static RemoteBlockDevice open(PenChannel channel, Device device) throws IOException {
        return new RemoteBlockDevice(channel, device, channel.size(device));
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public String what() {
        return device.deviceName();
    }

    @Override
    public int readAt(long pos, ByteBuffer dst) throws IOException {
        int n = Math.min(dst.remaining(), ChannelCodec.MAX_BLOCK);
        dst.put(channel.readBlock(device, pos, n));
        return n;
    }

    @Override
    public int writeAt(long pos, ByteBuffer src) throws IOException {
        byte[] piece = new byte[Math.min(src.remaining(), ChannelCodec.MAX_BLOCK)];
        src.get(piece);
        channel.writeBlock(device, pos, piece);
        return piece.length;
    }

    /** Nothing to do: the host has carried out each write before it answered. */
    @Override
    public void flush() {
    }

    /** Leaves the channel open: it belongs to the caller. */
    @Override
    public void close() {
    }
}
