package dev.airlock.pendrive.host;

import dev.airlock.keystore.KeyStore;
import dev.airlock.keystore.Limits;
import dev.airlock.keystore.Principal;
import dev.airlock.pendrive.Approval;
import dev.airlock.pendrive.KeyStoreFeed;
import dev.airlock.pendrive.PendriveDaemon;
import dev.airlock.pendrive.fat.Formatter;
import dev.airlock.pendrive.wire.ChannelProtocolException;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The virtual-pendrive exchange of one broker: the key store, the daemon and its feed, the images, and one
 * pendrive socket per running domain ({@value #SOCKET} in the domain's channel folder, beside the agent's
 * socket). A domain is known by the socket its connection came in on, never by what it says.
 *
 * <p>Each start of a domain gets a new key-store id, announced in the domain's read-only {@code name} key and in
 * the host-only {@code /vm/ID/name}, which the daemon follows; a stop removes both, which makes the daemon take
 * the domain's pendrives away and delete them.
 */
public final class PendriveService implements AutoCloseable {
    /** The pendrive socket's name in a domain's channel folder. */
    public static final String SOCKET = "pendrive.sock";
    /** Most open connections of one domain: each holds a socket and a thread of the host. */
    static final int MAX_CONNECTIONS = 64;

    /** One domain's socket and its open connections. */
    private record Endpoint(int id, ServerSocketChannel server, Path socket, Set<SocketChannel> connections) {
    }

    private final KeyStore keys = new KeyStore(Limits.DEFAULT);
    private final DeviceTable devices = new DeviceTable();
    private final AtomicInteger nextId = new AtomicInteger();
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final ChannelServer server;
    private final PendriveDaemon daemon;
    private final KeyStoreFeed feed;
    private final Consumer<String> log;

    /**
     * @param images    the folder for images, created if missing; images left there by an earlier broker are
     *                  deleted (no domain has them any more)
     * @param imageSize the size of a new pendrive ({@link Formatter#DEFAULT_SIZE} in use; smaller in tests)
     * @param approval  the user's and the policy's consent
     * @param disposables where the disposables of {@code send disposable} come from
     * @param log       where the daemon's lines go
     */
    public PendriveService(Path images, long imageSize, Approval approval, DisposableDomains disposables,
                           Consumer<String> log) throws IOException {
        this.log = log;
        Files.createDirectories(images);
        Files.setPosixFilePermissions(images, PosixFilePermissions.fromString("rwx------"));
        try (DirectoryStream<Path> old = Files.newDirectoryStream(images, "pendrive-*.img")) {
            for (Path p : old) {
                Files.deleteIfExists(p);
            }
        }
        this.server = new ChannelServer(keys, devices, this::idOf);
        ImageHost host = new ImageHost(images, imageSize, devices, keys, this::idOf, endpoints::containsKey,
                disposables);
        this.daemon = new PendriveDaemon(host, approval, log);
        this.feed = new KeyStoreFeed(keys, daemon, log);
    }

    private Optional<Integer> idOf(String domain) {
        Endpoint e = endpoints.get(domain);
        return e == null ? Optional.empty() : Optional.of(e.id());
    }

    /**
     * Domain {@code name} runs: it gets a new id and its pendrive socket in {@code channel}, the folder the sandbox
     * shows at {@code /run/airlock/channel}. The socket gets the folder's group and mode 0660, as the agent's.
     * A domain that was running already (a broker adopting it) is first forgotten.
     */
    public void domainStarted(String name, Path channel) throws IOException {
        domainStopped(name);
        Path socket = channel.resolve(SOCKET);
        Files.deleteIfExists(socket);
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(socket));
            Files.setAttribute(socket, "unix:gid", Files.getAttribute(channel, "unix:gid", LinkOption.NOFOLLOW_LINKS));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        int id = nextId.incrementAndGet();
        Endpoint e = new Endpoint(id, ch, socket, ConcurrentHashMap.newKeySet());
        endpoints.put(name, e);
        keys.write(Principal.host(), KeyStore.domainPath(id) + "/name", name);
        keys.write(Principal.host(), KeyStoreFeed.DOMAINS + "/" + id + "/name", name);
        Thread.ofVirtual().name("pendrive-listen-" + name).start(() -> accept(name, e));
    }

    private void accept(String name, Endpoint e) {
        while (e.server().isOpen()) {
            SocketChannel c;
            try {
                c = e.server().accept();
            } catch (AsynchronousCloseException x) {
                return;
            } catch (IOException x) {
                continue;
            }
            if (e.connections().size() >= MAX_CONNECTIONS) {
                log.accept("pendrive: " + name + " has " + MAX_CONNECTIONS + " connections open; one more refused");
                try {
                    c.close();
                } catch (IOException x) {
                    // Refused either way.
                }
                continue;
            }
            e.connections().add(c);
            Thread.ofVirtual().name("pendrive-conn-" + name).start(() -> {
                try (c) {
                    server.serve(name, c);
                } catch (IOException x) {
                    if (x instanceof ChannelProtocolException) {
                        log.accept("pendrive: " + name + " broke the channel protocol: " + x.getMessage());
                    }
                } finally {
                    e.connections().remove(c);
                }
            });
        }
    }

    /**
     * Domain {@code name} stopped: its socket and connections close, its keys go, and the daemon (through
     * {@code /vm}) takes its pendrives away and deletes them.
     */
    public void domainStopped(String name) {
        Endpoint e = endpoints.remove(name);
        if (e == null) {
            return;
        }
        try {
            e.server().close();
            Files.deleteIfExists(e.socket());
        } catch (IOException x) {
            // The socket file is replaced at the next start.
        }
        for (SocketChannel c : e.connections()) {
            try {
                c.close();
            } catch (IOException x) {
                // Closing anyway.
            }
        }
        keys.remove(Principal.host(), KeyStoreFeed.DOMAINS + "/" + e.id());
        keys.forgetDomain(e.id());
    }

    /** The key store, as the host sees it. */
    public KeyStore keys() {
        return keys;
    }

    /** The daemon, for a look at its states. */
    public PendriveDaemon daemon() {
        return daemon;
    }

    @Override
    public void close() throws InterruptedException {
        for (String name : Set.copyOf(endpoints.keySet())) {
            domainStopped(name);
        }
        feed.close();
        devices.clear();
    }
}
