package dev.airlock.display;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.sys.UnixSocket;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker's connection to a domain's display server, against a domain that rearranges its display folder: the
 * domain writes that folder, so each test plants what a hostile domain would and expects a refusal. The "sandbox"
 * here is this test's own PID namespace, in which the test's listeners run.
 */
class DisplaySocketTest {
    private static final String OURS = DisplaySocket.pidNamespace(ProcessHandle.current().pid());
    private final List<ServerSocketChannel> servers = new ArrayList<>();

    @AfterEach
    void closeServers() throws IOException {
        for (ServerSocketChannel s : servers) {
            s.close();
        }
    }

    @Test
    void connectsToTheDomainsOwnServer(@TempDir Path tmp) throws Exception {
        Path work = domainRun(tmp, "work");
        ServerSocketChannel server = serve(work);
        try (UnixSocket s = socketOf(work).connect(); SocketChannel accepted = server.accept()) {
            s.write(ByteBuffer.wrap(new byte[] {42}));
            ByteBuffer b = ByteBuffer.allocate(1);
            accepted.read(b);
            assertThat(b.get(0)).isEqualTo((byte) 42);
        }
    }

    @Test
    void swappedSocketSymlinkDoesNotAttachHostToAnotherDomain(@TempDir Path tmp) throws Exception {
        Path work = domainRun(tmp, "work");
        Path bank = domainRun(tmp, "bank");
        serve(work);
        ServerSocketChannel bankServer = serve(bank);
        // What work does from inside: its socket replaced by a link to bank's (bank's path as the host sees it).
        Path workSocket = work.resolve("display/xpra");
        Files.delete(workSocket);
        Files.createSymbolicLink(workSocket, bank.resolve("display/xpra"));

        assertThatThrownBy(() -> socketOf(work).connect())
                .isInstanceOf(DisplaySocket.RefusedException.class).hasMessageContaining("not a socket");
        bankServer.configureBlocking(false);
        assertThat(bankServer.accept()).as("bank's server was never connected to").isNull();
    }

    @Test
    void swappedDisplayFolderSymlinkDoesNotAttachHostToAnotherDomain(@TempDir Path tmp) throws Exception {
        Path work = domainRun(tmp, "work");
        Path bank = domainRun(tmp, "bank");
        ServerSocketChannel bankServer = serve(bank);
        Path folder = work.resolve("display");
        Files.delete(folder);
        Files.createSymbolicLink(folder, bank.resolve("display"));

        assertThatThrownBy(() -> socketOf(work).connect()).isInstanceOf(DisplaySocket.RefusedException.class);
        bankServer.configureBlocking(false);
        assertThat(bankServer.accept()).isNull();
    }

    @Test
    void regularFileInPlaceOfTheSocketIsRefused(@TempDir Path tmp) throws Exception {
        Path work = domainRun(tmp, "work");
        Files.writeString(work.resolve("display/xpra"), "not a socket");
        assertThatThrownBy(() -> socketOf(work).connect())
                .isInstanceOf(DisplaySocket.RefusedException.class).hasMessageContaining("not a socket");
    }

    @Test
    void fifoInPlaceOfTheSocketIsRefused(@TempDir Path tmp) throws Exception {
        Path work = domainRun(tmp, "work");
        Process p = new ProcessBuilder("mkfifo", work.resolve("display/xpra").toString()).start();
        assertThat(p.waitFor()).isZero();
        assertThatThrownBy(() -> socketOf(work).connect())
                .isInstanceOf(DisplaySocket.RefusedException.class).hasMessageContaining("not a socket");
    }

    @Test
    void socketOwnedBySomeoneElseThanTheDomainIsRefused(@TempDir Path tmp) throws Exception {
        Path work = domainRun(tmp, "work");
        ServerSocketChannel server = serve(work);
        int owner = (Integer) Files.getAttribute(work.resolve("display/xpra"), "unix:uid", LinkOption.NOFOLLOW_LINKS);
        DisplaySocket asAnotherDomain = new DisplaySocket(work, OptionalInt.of(owner + 1), OURS);
        assertThatThrownBy(asAnotherDomain::connect)
                .isInstanceOf(DisplaySocket.RefusedException.class).hasMessageContaining("belongs to uid " + owner);
        server.configureBlocking(false);
        assertThat(server.accept()).isNull();
    }

    @Test
    void serverOutsideTheDomainsSandboxIsRefused(@TempDir Path tmp) throws Exception {
        Path work = domainRun(tmp, "work");
        serve(work);
        // The listener is this JVM, in the host's PID namespace, not in the sandbox's.
        DisplaySocket other = new DisplaySocket(work, OptionalInt.empty(), "pid:[1]");
        assertThatThrownBy(other::connect)
                .isInstanceOf(DisplaySocket.RefusedException.class).hasMessageContaining("not in its sandbox");
    }

    @Test
    void serverNotYetListeningIsNotARefusal(@TempDir Path tmp) throws Exception {
        Path work = domainRun(tmp, "work");
        assertThatThrownBy(() -> socketOf(work).connect())
                .isInstanceOf(IOException.class).isNotInstanceOf(DisplaySocket.RefusedException.class);
    }

    private static Path domainRun(Path tmp, String name) throws IOException {
        Path run = tmp.resolve(name);
        Files.createDirectories(run.resolve("display"));
        return run;
    }

    private ServerSocketChannel serve(Path domainRun) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(domainRun.resolve("display/xpra")));
        servers.add(s);
        return s;
    }

    private static DisplaySocket socketOf(Path domainRun) {
        return new DisplaySocket(domainRun, OptionalInt.empty(), OURS);
    }
}
