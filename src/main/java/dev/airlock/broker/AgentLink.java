package dev.airlock.broker;

import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.MessageEncoder;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/** A domain agent's control channel: the broker writes service starts on it, one message at a time. */
final class AgentLink {
    private final SocketChannel channel;

    AgentLink(SocketChannel channel) {
        this.channel = channel;
    }

    synchronized void send(Message m) throws IOException {
        MessageEncoder.write(m, channel);
    }

    boolean isOpen() {
        return channel.isOpen();
    }

    void close() {
        Splice.closeQuietly(channel);
    }
}
