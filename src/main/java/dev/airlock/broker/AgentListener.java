package dev.airlock.broker;

import dev.airlock.sys.BlockingThreads;
import dev.airlock.sys.UnixListener;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Semaphore;

/**
 * The socket of one domain ({@code run/domains/NAME/channel/agent.sock}), bound inside that domain's sandbox alone. Every
 * connection that arrives here is the domain's: the broker never takes the source of a call from what a
 * connection says. Connections are raw sockets so that the broker can hand the domain a call's end of a socket
 * pair; they refuse every descriptor the domain might send.
 */
final class AgentListener implements AutoCloseable {
    /**
     * Connections of one domain served at once (each holds a platform thread): a domain opening more is refused, so
     * that it cannot use up the broker's threads; its agent needs one for its control channel and one per call.
     */
    static final int MAX_CONNECTIONS = 64;
    /**
     * Connections over {@link #MAX_CONNECTIONS} kept for the host's own calls into the domain: the agent answers
     * each with a connection of its own, which must not depend on the slots the domain's processes can fill.
     */
    static final int HOST_RESERVE = 4;
    /** Pause after a failed accept or thread start, so that a lack of descriptors or threads is not a busy loop. */
    private static final long BACKOFF_MILLIS = 100;
    private final String domain;
    private final Path socket;
    private final UnixListener server;
    private final Semaphore serving = new Semaphore(MAX_CONNECTIONS);
    private final Semaphore reserve = new Semaphore(HOST_RESERVE);

    /** What serves the connections of a domain. */
    @FunctionalInterface
    interface Server {
        /** Serves one connection of {@code domain} to its end. */
        void serve(String domain, UnixSocket ch);

        /** Whether a call of the host waits for a connection from {@code domain}'s agent. */
        default boolean awaitsHostConnection(String domain) {
            return false;
        }

        /**
         * Serves a connection that came over the domain's cap while {@link #awaitsHostConnection} was true: only
         * the connection a host's call waits for may use it.
         */
        default void serveReserved(String domain, UnixSocket ch) {
            ch.close();
        }
    }

    private AgentListener(String domain, Path socket, UnixListener server) {
        this.domain = domain;
        this.socket = socket;
        this.server = server;
    }

    /** Binds {@code socket} (replacing a stale file) and hands each connection, with the domain, to {@code serve}. */
    static AgentListener start(String domain, Path socket, Server serve)
            throws IOException {
        Files.deleteIfExists(socket);
        AgentListener l = new AgentListener(domain, socket, UnixListener.bind(socket));
        // Platform threads: a native call that blocks would hold a virtual thread's carrier.
        Thread.ofPlatform().daemon().name("airlock-listen-" + domain).start(() -> l.acceptLoop(serve));
        return l;
    }

    /**
     * Binds {@code channel/agent.sock} for {@code domain}; as root, the folder's group (the domain's own, see
     * {@link DomainUsers#open}) may connect to it, and nobody else.
     */
    static AgentListener inChannel(String domain, Path channel, Server serve) throws IOException {
        Files.createDirectories(channel);
        Path socket = channel.resolve("agent.sock");
        AgentListener listener = start(domain, socket, serve);
        if (DomainUsers.brokerIsRoot()) {
            Files.setAttribute(socket, "unix:gid", Files.getAttribute(channel, "unix:gid", LinkOption.NOFOLLOW_LINKS));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        }
        return listener;
    }

    private void acceptLoop(Server serve) {
        while (server.isOpen()) {
            UnixSocket c = null;
            try {
                c = server.accept();
                Semaphore slots;
                if (serving.tryAcquire()) {
                    slots = serving;
                } else if (serve.awaitsHostConnection(domain) && reserve.tryAcquire()) {
                    slots = reserve;
                } else {
                    c.close();
                    continue;
                }
                UnixSocket accepted = c;
                try {
                    BlockingThreads.start(() -> {
                        try {
                            if (slots == serving) {
                                serve.serve(domain, accepted);
                            } else {
                                serve.serveReserved(domain, accepted);
                            }
                        } finally {
                            slots.release();
                        }
                    });
                } catch (Throwable e) {
                    slots.release();
                    throw e;
                }
            } catch (Throwable e) {
                // Out of descriptors (EMFILE), threads or memory: this connection is dropped, the listener lives on.
                if (c != null) {
                    c.close();
                }
                if (!server.isOpen() || !backOff()) {
                    return;
                }
            }
        }
    }

    private static boolean backOff() {
        try {
            Thread.sleep(BACKOFF_MILLIS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
