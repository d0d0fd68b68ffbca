package dev.airlock.cli;

import dev.airlock.agent.Connections;
import dev.airlock.pendrive.client.PenChannel;

import java.io.IOException;
import java.nio.file.Path;

/** The pendrive socket of the domain this command runs in. */
final class PendriveSocket {
    private PendriveSocket() {
    }

    static Path path() throws IOException {
        if (!Connections.insideDomain()) {
            throw new IOException("not inside an airlock domain (no " + Connections.CHANNEL + ")");
        }
        return PenChannel.SOCKET;
    }
}
