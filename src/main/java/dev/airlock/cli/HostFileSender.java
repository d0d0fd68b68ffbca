package dev.airlock.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.agent.CopyToDomain;
import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.broker.Broker;
import dev.airlock.qrexec.QrexecNames;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.util.List;

/**
 * {@code airlock copy FILE... DOMAIN} and {@code airlock move}: the host's own files into DOMAIN's
 * {@code ~/QubesIncoming/dom0} (dom0's {@code qvm-copy-to-vm}). This process reads the files with the user's own
 * rights and walks them as {@code qvm-copy} does (links are sent as links, never followed; a link the receiver would
 * refuse stops the copy before anything is sent); the broker only relays the admin connection to the call.
 */
final class HostFileSender {
    private HostFileSender() {
    }

    static int send(String target, List<String> paths, boolean move, PrintWriter err) throws IOException {
        QrexecNames.requireDomainName(target);
        AirlockHome home = AirlockHome.fromEnvironment(Invocation.current().env());
        AdminClient client = new AdminClient(home);
        return FileCopySender.deliver(target, paths, move, new FileCopyOptions(), null, err,
                (survey, options, messages) -> {
                    ObjectNode request = AdminClient.request(Broker.COPY_TO_DOMAIN).put("domain", target);
                    if (!CopyToDomain.argument(survey).isEmpty()) {
                        request.put("allow-all-names", true);
                    }
                    try (SocketChannel ch = client.openStream(request)) {
                        return CopyToDomain.over(target, paths, survey, output(ch), ch, options, messages);
                    }
                },
                () -> listens(home));
    }

    /** The writing side of the admin connection: closing it is the end of the stream the receiver reads. */
    private static WritableByteChannel output(SocketChannel ch) {
        return new WritableByteChannel() {
            private boolean open = true;

            @Override
            public int write(ByteBuffer src) throws IOException {
                return ch.write(src);
            }

            @Override
            public boolean isOpen() {
                return open && ch.isOpen();
            }

            @Override
            public void close() throws IOException {
                if (open) {
                    open = false;
                    ch.shutdownOutput();
                }
            }
        };
    }

    private static boolean listens(AirlockHome home) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(home.adminSocket()));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
