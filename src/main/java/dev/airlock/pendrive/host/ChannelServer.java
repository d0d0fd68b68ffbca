package dev.airlock.pendrive.host;

import dev.airlock.keystore.KeyStore;
import dev.airlock.keystore.KeyStoreException;
import dev.airlock.keystore.Principal;
import dev.airlock.keystore.Watch;
import dev.airlock.keystore.WatchEvent;
import dev.airlock.pendrive.wire.ChannelCodec;
import dev.airlock.pendrive.wire.ChannelProtocolException;
import dev.airlock.pendrive.wire.ChannelRequest;
import dev.airlock.pendrive.wire.ChannelResponse;
import dev.airlock.pendrive.wire.ChannelResponse.Code;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.util.Optional;
import java.util.function.Function;

/**
 * Serves one domain's pendrive channel. The domain is the one whose socket the connection came in on, and its
 * key-store id is looked up for every request, so a connection left from an earlier run of the domain cannot act
 * for the new one. Key requests go to the key store as that domain (relative paths are below its own subtree);
 * block requests go to the {@link DeviceTable}, which refuses devices not attached to this domain now.
 */
final class ChannelServer {
    private final KeyStore keys;
    private final DeviceTable devices;
    private final Function<String, Optional<Integer>> ids;

    ChannelServer(KeyStore keys, DeviceTable devices, Function<String, Optional<Integer>> ids) {
        this.keys = keys;
        this.devices = devices;
        this.ids = ids;
    }

    /**
     * Answers {@code domain}'s requests on {@code ch} until it closes it or breaks the protocol; after a watch,
     * only sends that watch's events.
     */
    void serve(String domain, ByteChannel ch) throws IOException {
        for (Optional<ByteBuffer> frame = ChannelCodec.readFrame(ch); frame.isPresent();
             frame = ChannelCodec.readFrame(ch)) {
            ChannelRequest request = ChannelCodec.decodeRequest(frame.get());
            if (request instanceof ChannelRequest.Watch(String path)) {
                Optional<Watch> w = watch(domain, path, ch);
                if (w.isPresent()) {
                    pump(domain, w.get(), ch);
                    return;
                }
            } else {
                send(ch, answer(domain, request));
            }
        }
    }

    /** The answer to one request other than a watch. */
    ChannelResponse answer(String domain, ChannelRequest request) {
        Optional<Integer> id = ids.apply(domain);
        if (id.isEmpty()) {
            return new ChannelResponse.Failed(Code.FAILED, domain + " is not running");
        }
        Principal me = Principal.domain(id.get());
        try {
            return switch (request) {
                case ChannelRequest.Read(String path) ->
                        new ChannelResponse.Value(keys.read(me, resolve(id.get(), path)));
                case ChannelRequest.Write(String path, String value) -> {
                    keys.write(me, resolve(id.get(), path), value);
                    yield new ChannelResponse.Done();
                }
                case ChannelRequest.Remove(String path) -> {
                    keys.remove(me, resolve(id.get(), path));
                    yield new ChannelResponse.Done();
                }
                case ChannelRequest.Watch w -> new ChannelResponse.Failed(Code.INVALID, "a watch needs a connection");
                case ChannelRequest.DeviceSize(var device) -> new ChannelResponse.Size(devices.size(domain, device));
                case ChannelRequest.BlockRead(var device, long offset, int length) ->
                        new ChannelResponse.Data(devices.read(domain, device, offset, length));
                case ChannelRequest.BlockWrite(var device, long offset, byte[] data) -> {
                    devices.write(domain, device, offset, data);
                    yield new ChannelResponse.Done();
                }
            };
        } catch (KeyStoreException e) {
            return new ChannelResponse.Failed(code(e.reason()), e.getMessage());
        } catch (DeviceRefusal e) {
            return new ChannelResponse.Failed(e.code(), e.getMessage());
        } catch (IOException e) {
            return new ChannelResponse.Failed(Code.FAILED, "the host could not do it: " + e.getMessage());
        }
    }

    private Optional<Watch> watch(String domain, String path, ByteChannel ch) throws IOException {
        Optional<Integer> id = ids.apply(domain);
        if (id.isEmpty()) {
            send(ch, new ChannelResponse.Failed(Code.FAILED, domain + " is not running"));
            return Optional.empty();
        }
        try {
            Watch w = keys.watch(Principal.domain(id.get()), resolve(id.get(), path));
            send(ch, new ChannelResponse.Done());
            return Optional.of(w);
        } catch (KeyStoreException e) {
            send(ch, new ChannelResponse.Failed(code(e.reason()), e.getMessage()));
            return Optional.empty();
        }
    }

    /**
     * Sends the watch's events until the domain closes the connection (anything it sends now is a protocol error
     * and closes it too) or the watch ends (the domain stopped).
     */
    private void pump(String domain, Watch w, ByteChannel ch) throws IOException {
        Thread closer = Thread.ofVirtual().name("pendrive-watch-" + domain).start(() -> {
            try {
                ChannelCodec.readFrame(ch);
            } catch (IOException e) {
                // Ends the watch just the same.
            }
            w.close();
        });
        try {
            int id = ids.apply(domain).orElse(0);
            for (WatchEvent e = w.take(); e != null; e = w.take()) {
                send(ch, switch (e) {
                    case WatchEvent.Written written -> new ChannelResponse.Written(relative(id, written.path().text()),
                            written.value());
                    case WatchEvent.Removed removed -> new ChannelResponse.Removed(relative(id, removed.path().text()));
                    case WatchEvent.Overflow o -> new ChannelResponse.Overflow();
                });
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            w.close();
            ch.close();
            closer.interrupt();
        }
    }

    /** {@code path} as the key store knows it: relative paths are below the domain's own subtree. */
    static String resolve(int id, String path) {
        return path.startsWith("/") ? path : KeyStore.domainPath(id) + "/" + path;
    }

    /** {@code path} as the domain wrote it, relative to its subtree when it is below it. */
    static String relative(int id, String path) {
        String own = KeyStore.domainPath(id) + "/";
        return path.startsWith(own) ? path.substring(own.length()) : path;
    }

    private static Code code(KeyStoreException.Reason reason) {
        return switch (reason) {
            case INVALID_PATH, INVALID_VALUE -> Code.INVALID;
            case PERMISSION -> Code.PERMISSION;
            case TOO_MANY_KEYS, TOO_MANY_WATCHES -> Code.LIMIT;
        };
    }

    private static void send(ByteChannel ch, ChannelResponse r) throws IOException {
        ByteBuffer b = ChannelCodec.encode(r);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
