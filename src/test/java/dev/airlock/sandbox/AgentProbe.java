package dev.airlock.sandbox;

import dev.airlock.contract.InDomain;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** Run in a sandbox by {@link BwrapSandboxTest}: says hello to the broker over the agent socket, as an agent would. */
final class AgentProbe {
    private AgentProbe() {
    }

    public static void main(String[] args) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(InDomain.AGENT_SOCKET));
            ch.write(ByteBuffer.wrap(("hello from " + System.getenv("AIRLOCK_DOMAIN") + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
        }
        System.out.println("sent");
    }
}
