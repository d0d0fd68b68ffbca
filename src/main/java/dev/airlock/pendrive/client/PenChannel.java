package dev.airlock.pendrive.client;

import dev.airlock.contract.InDomain;
import dev.airlock.pendrive.Device;
import dev.airlock.pendrive.wire.ChannelCodec;
import dev.airlock.pendrive.wire.ChannelRequest;
import dev.airlock.pendrive.wire.ChannelResponse;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One connection to the host's pendrive socket: key requests on this domain's own keys (relative paths are below
 * its subtree) and block requests on its attached devices, one at a time.
 */
public final class PenChannel implements AutoCloseable {
    /** The pendrive socket, as the sandbox shows it. */
    public static final Path SOCKET = Path.of(InDomain.CHANNEL, "pendrive.sock");

    private final SocketChannel ch;

    private PenChannel(SocketChannel ch) {
        this.ch = ch;
    }

    /** Connects to {@code socket}. */
    public static PenChannel open(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot reach the host's pendrive socket " + socket + ": " + e.getMessage(), e);
        }
        return new PenChannel(ch);
    }

    /** The value of {@code path}, if it has one. */
    public Optional<String> read(String path) throws IOException {
        return expect(call(new ChannelRequest.Read(path)), ChannelResponse.Value.class).value();
    }

    public void write(String path, String value) throws IOException {
        expect(call(new ChannelRequest.Write(path, value)), ChannelResponse.Done.class);
    }

    public void remove(String path) throws IOException {
        expect(call(new ChannelRequest.Remove(path)), ChannelResponse.Done.class);
    }

    /** The size of {@code device}, which must be attached to this domain. */
    public long size(Device device) throws IOException {
        return expect(call(new ChannelRequest.DeviceSize(device)), ChannelResponse.Size.class).bytes();
    }

    /** Reads {@code length} bytes (at most {@link ChannelCodec#MAX_BLOCK}) at {@code offset}. */
    public byte[] readBlock(Device device, long offset, int length) throws IOException {
        byte[] data = expect(call(new ChannelRequest.BlockRead(device, offset, length)),
                ChannelResponse.Data.class).bytes();
        if (data.length != length) {
            throw new UnexpectedAnswerException("asked for " + length + " bytes, got " + data.length);
        }
        return data;
    }

    /** Writes {@code data} (at most {@link ChannelCodec#MAX_BLOCK} bytes) at {@code offset}. */
    public void writeBlock(Device device, long offset, byte[] data) throws IOException {
        expect(call(new ChannelRequest.BlockWrite(device, offset, data)), ChannelResponse.Done.class);
    }

    /**
     * Turns this connection into a watch of {@code path}: from now on only {@link #next} may be called.
     *
     * @throws ChannelRefusedException the host refused the watch
     */
    public void watch(String path) throws IOException {
        expect(call(new ChannelRequest.Watch(path)), ChannelResponse.Done.class);
    }

    /** The next event of the watch; empty when the host closed the connection (the domain stops). */
    public Optional<ChannelResponse.Event> next() throws IOException {
        Optional<ByteBuffer> frame = ChannelCodec.readFrame(ch);
        if (frame.isEmpty()) {
            return Optional.empty();
        }
        ChannelResponse r = ChannelCodec.decodeResponse(frame.get());
        if (r instanceof ChannelResponse.Event e) {
            return Optional.of(e);
        }
        throw new UnexpectedAnswerException("expected an event, got " + r.getClass().getSimpleName());
    }

    private synchronized ChannelResponse call(ChannelRequest request) throws IOException {
        ByteBuffer b = ChannelCodec.encode(request);
        while (b.hasRemaining()) {
            ch.write(b);
        }
        Optional<ByteBuffer> frame = ChannelCodec.readFrame(ch);
        if (frame.isEmpty()) {
            throw new IOException("the host closed the pendrive channel");
        }
        return ChannelCodec.decodeResponse(frame.get());
    }

    private static <T extends ChannelResponse> T expect(ChannelResponse r, Class<T> type) throws IOException {
        if (r instanceof ChannelResponse.Failed(ChannelResponse.Code code, String message)) {
            throw new ChannelRefusedException(code, message);
        }
        if (!type.isInstance(r)) {
            throw new UnexpectedAnswerException("expected " + type.getSimpleName() + ", got "
                    + r.getClass().getSimpleName());
        }
        return type.cast(r);
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }

    /** An answer that does not fit the request. */
    private static final class UnexpectedAnswerException extends IOException {
        UnexpectedAnswerException(String message) {
            super("the host broke the pendrive protocol: " + message);
        }
    }
}
