package dev.airlock.broker;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiConsumer;

/**
 * The socket of one domain ({@code run/domains/NAME/channel/agent.sock}), bound inside that domain's sandbox alone. Every
 * connection that arrives here is the domain's: the broker never takes the source of a call from what a
 * connection says.
 */
final class AgentListener implements AutoCloseable {
    private final String domain;
    private final Path socket;
    private final ServerSocketChannel server;

    private AgentListener(String domain, Path socket, ServerSocketChannel server) {
        this.domain = domain;
        this.socket = socket;
        this.server = server;
    }

    /** Binds {@code socket} (replacing a stale file) and hands each connection, with the domain, to {@code serve}. */
    static AgentListener start(String domain, Path socket, BiConsumer<String, SocketChannel> serve)
            throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(socket));
        AgentListener l = new AgentListener(domain, socket, ch);
        Thread.ofVirtual().name("airlock-listen-" + domain).start(() -> l.acceptLoop(serve));
        return l;
    }

    private void acceptLoop(BiConsumer<String, SocketChannel> serve) {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                Thread.ofVirtual().name("airlock-conn-" + domain).start(() -> serve.accept(domain, c));
            } catch (AsynchronousCloseException e) {
                return;
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
