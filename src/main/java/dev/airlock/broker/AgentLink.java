package dev.airlock.broker;

import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;

/** A domain agent's control channel: the broker writes service starts on it, one message at a time. */
final class AgentLink {
    private final UnixSocket channel;

    AgentLink(UnixSocket channel) {
        this.channel = channel;
    }

    synchronized void send(Message m) throws IOException {
        MessageEncoder.write(m, channel);
    }

    boolean isOpen() {
        return channel.isOpen();
    }

    void close() {
        channel.close();
    }
}
