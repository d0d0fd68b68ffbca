package dev.airlock.broker;

import dev.airlock.sys.BlockingThreads;
import dev.airlock.sys.UnixListener;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiConsumer;

/**
 * The socket of one domain ({@code run/domains/NAME/channel/agent.sock}), bound inside that domain's sandbox alone. Every
 * connection that arrives here is the domain's: the broker never takes the source of a call from what a
 * connection says. Connections are raw sockets so that the broker can hand the domain a call's end of a socket
 * pair; they refuse every descriptor the domain might send.
 */
final class AgentListener implements AutoCloseable {
    private final String domain;
    private final Path socket;
    private final UnixListener server;

    private AgentListener(String domain, Path socket, UnixListener server) {
        this.domain = domain;
        this.socket = socket;
        this.server = server;
    }

    /** Binds {@code socket} (replacing a stale file) and hands each connection, with the domain, to {@code serve}. */
    static AgentListener start(String domain, Path socket, BiConsumer<String, UnixSocket> serve)
            throws IOException {
        Files.deleteIfExists(socket);
        AgentListener l = new AgentListener(domain, socket, UnixListener.bind(socket));
        // Platform threads: a native call that blocks would hold a virtual thread's carrier.
        Thread.ofPlatform().daemon().name("airlock-listen-" + domain).start(() -> l.acceptLoop(serve));
        return l;
    }

    private void acceptLoop(BiConsumer<String, UnixSocket> serve) {
        while (server.isOpen()) {
            try {
                UnixSocket c = server.accept();
                BlockingThreads.start(() -> serve.accept(domain, c));
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
