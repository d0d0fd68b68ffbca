package dev.airlock.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Descriptor passing and the fail-closed rules of the receiving side, on real socket pairs. */
class UnixSocketTest {

    @Test
    void bytesFlowBothWaysAndHalfCloseEndsOnlyOneDirection() throws IOException {
        UnixSocket[] p = UnixSocket.pair();
        try (UnixSocket a = p[0]; UnixSocket b = p[1]) {
            a.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
            a.shutdownOutput();
            assertThat(readAll(b)).isEqualTo("ping");
            b.write(ByteBuffer.wrap("pong".getBytes(StandardCharsets.US_ASCII)));
            b.close();
            assertThat(readAll(a)).isEqualTo("pong");
        }
    }

    @Test
    void passedSocketArrivesAsAWorkingSocketAndTheSendersCopyCanBeClosed() throws IOException {
        UnixSocket[] channel = acceptingPair();
        UnixSocket[] call = UnixSocket.pair();
        try (UnixSocket receiver = channel[1]; UnixSocket sender = channel[0]; UnixSocket kept = call[0]) {
            sender.sendWithDescriptor(ByteBuffer.wrap(new byte[] {42}), call[1]);
            call[1].close();
            ByteBuffer one = ByteBuffer.allocate(1);
            assertThat(receiver.read(one)).isEqualTo(1);
            try (UnixSocket got = receiver.takeDescriptor()) {
                kept.write(ByteBuffer.wrap("hi".getBytes(StandardCharsets.US_ASCII)));
                kept.shutdownOutput();
                assertThat(readAll(got)).isEqualTo("hi");
            }
            assertThatThrownBy(receiver::takeDescriptor).hasMessageContaining("no descriptor");
        }
    }

    @Test
    void descriptorSentToAPeerThatRefusesDescriptorsIsClosedAndEndsTheConnection() throws IOException {
        UnixSocket[] channel = UnixSocket.pair();
        UnixSocket[] smuggled = UnixSocket.pair();
        try (UnixSocket broker = channel[1]; UnixSocket domain = channel[0]) {
            domain.sendWithDescriptor(ByteBuffer.wrap(new byte[] {1}), smuggled[1]);
            smuggled[1].close();
            Set<Integer> before = openDescriptors();
            assertThatThrownBy(() -> broker.read(ByteBuffer.allocate(8)))
                    .hasMessageContaining("where none is accepted");
            assertThat(openDescriptors()).isEqualTo(before);
            // The refusal is final: nothing more is read from that peer.
            domain.write(ByteBuffer.wrap(new byte[] {2}));
            assertThatThrownBy(() -> broker.read(ByteBuffer.allocate(8))).isInstanceOf(IOException.class);
            // Our copy is the only one left: the peer of the smuggled socket sees its end.
            assertThat(readAll(smuggled[0])).isEmpty();
        } finally {
            smuggled[0].close();
        }
    }

    @Test
    void secondDescriptorIsRefusedAndBothAreClosed() throws IOException {
        UnixSocket[] channel = acceptingPair();
        UnixSocket[] x = UnixSocket.pair();
        try (UnixSocket receiver = channel[1]; UnixSocket sender = channel[0]; UnixSocket x0 = x[0];
             UnixSocket x1 = x[1]) {
            Set<Integer> before = openDescriptors();
            sender.sendWithDescriptor(ByteBuffer.wrap(new byte[] {1}), x0);
            sender.sendWithDescriptor(ByteBuffer.wrap(new byte[] {2}), x1);
            ByteBuffer b = ByteBuffer.allocate(1);
            receiver.read(b);
            assertThatThrownBy(() -> receiver.read(b.clear())).hasMessageContaining("more than one");
            assertThat(openDescriptors()).isEqualTo(before);
        }
    }

    @Test
    void descriptorSentAfterTheTakenOneIsRefusedSoAHeldRequestConnectionCannotSmuggleMore() throws IOException {
        UnixSocket[] channel = acceptingPair();
        UnixSocket[] call = UnixSocket.pair();
        UnixSocket[] smuggled = UnixSocket.pair();
        try (UnixSocket receiver = channel[1]; UnixSocket sender = channel[0]; UnixSocket c0 = call[0];
             UnixSocket s0 = smuggled[0]) {
            sender.sendWithDescriptor(ByteBuffer.wrap(new byte[] {1}), call[1]);
            call[1].close();
            ByteBuffer b = ByteBuffer.allocate(1);
            receiver.read(b);
            receiver.takeDescriptor().close();
            sender.sendWithDescriptor(ByteBuffer.wrap(new byte[] {2}), smuggled[1]);
            smuggled[1].close();
            Set<Integer> before = openDescriptors();
            assertThatThrownBy(() -> receiver.read(b.clear())).hasMessageContaining("more than one");
            assertThat(openDescriptors()).isEqualTo(before);
            assertThatThrownBy(receiver::takeDescriptor).hasMessageContaining("no descriptor");
            // Closed on arrival: the smuggled socket's peer sees its end.
            assertThat(readAll(s0)).isEmpty();
        }
    }

    @Test
    void manyDescriptorsInOneMessageAreRefusedAndNoneIsLeftOpen() throws Exception {
        UnixSocket[] channel = acceptingPair();
        List<UnixSocket[]> pairs = Stream.generate(() -> {
            try {
                return UnixSocket.pair();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).limit(8).toList();
        try (UnixSocket receiver = channel[1]; UnixSocket sender = channel[0]) {
            int[] fds = pairs.stream().mapToInt(p -> rawOf(p[0])).toArray();
            Set<Integer> before = openDescriptors();
            // More than the receiver has room for: the kernel cuts the ancillary data short (MSG_CTRUNC).
            sendRaw(sender, fds);
            assertThatThrownBy(() -> receiver.read(ByteBuffer.allocate(1))).isInstanceOf(IOException.class);
            assertThat(openDescriptors()).isEqualTo(before);
        } finally {
            pairs.forEach(p -> {
                p[0].close();
                p[1].close();
            });
        }
    }

    @Test
    void descriptorThatIsNotAUnixStreamSocketIsRefused(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("secret"), "data");
        int fileFd = Posix.openat(Posix.AT_FDCWD, file.toString().getBytes(StandardCharsets.UTF_8),
                Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
        int[] pipe = Posix.pipe();
        try {
            for (int fd : new int[] {fileFd, pipe[0]}) {
                UnixSocket[] channel = acceptingPair();
                try (UnixSocket receiver = channel[1]; UnixSocket sender = channel[0]) {
                    Set<Integer> before = openDescriptors();
                    sendRaw(sender, fd);
                    assertThatThrownBy(() -> receiver.read(ByteBuffer.allocate(1)))
                            .hasMessageContaining("not a socket");
                    assertThat(openDescriptors()).isEqualTo(before);
                }
            }
        } finally {
            Posix.closeQuietly(fileFd);
            Posix.closeQuietly(pipe[0]);
            Posix.closeQuietly(pipe[1]);
        }
    }

    @Test
    void receivedDescriptorIsCloseOnExec() throws IOException {
        UnixSocket[] channel = acceptingPair();
        UnixSocket[] call = UnixSocket.pair();
        try (UnixSocket receiver = channel[1]; UnixSocket sender = channel[0]; UnixSocket c0 = call[0];
             UnixSocket c1 = call[1]) {
            sender.sendWithDescriptor(ByteBuffer.wrap(new byte[] {1}), c1);
            Set<Integer> before = openDescriptors();
            receiver.read(ByteBuffer.allocate(1));
            Set<Integer> added = new HashSet<>(openDescriptors());
            added.removeAll(before);
            assertThat(added).hasSize(1);
            String info = Files.readString(Path.of("/proc/self/fdinfo/" + added.iterator().next()));
            long flags = Long.parseLong(info.lines().filter(l -> l.startsWith("flags:")).findFirst().orElseThrow()
                    .substring(6).trim(), 8);
            assertThat(flags & Posix.O_CLOEXEC).isNotZero();
            receiver.takeDescriptor().close();
        }
    }

    @Test
    void closeWakesAThreadBlockedInRead() throws Exception {
        UnixSocket[] p = UnixSocket.pair();
        try (UnixSocket other = p[1]) {
            CompletableFuture<Integer> read = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    read.complete(p[0].read(ByteBuffer.allocateDirect(16)));
                } catch (IOException e) {
                    read.completeExceptionally(e);
                }
            });
            // Stays a sleep: a thread blocked in a native read looks RUNNABLE, so there is nothing to poll for.
            Thread.sleep(100);
            p[0].close();
            assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(-1);
            t.join();
            assertThatThrownBy(() -> p[0].read(ByteBuffer.allocate(1))).isInstanceOf(IOException.class);
        }
    }

    @Test
    void closingAListenerWakesItsAcceptAndConnectionsRefuseDescriptors(@TempDir Path tmp) throws Exception {
        Path path = tmp.resolve("s.sock");
        UnixListener listener = UnixListener.bind(path);
        try (UnixSocket client = UnixSocket.connect(path, UnixSocket.Descriptors.ACCEPT_ONE);
             UnixSocket served = listener.accept()) {
            UnixSocket[] x = UnixSocket.pair();
            client.sendWithDescriptor(ByteBuffer.wrap(new byte[] {1}), x[0]);
            x[0].close();
            x[1].close();
            assertThatThrownBy(() -> served.read(ByteBuffer.allocate(1))).hasMessageContaining("none is accepted");
        }
        CompletableFuture<Throwable> accepting = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                listener.accept().close();
                accepting.complete(null);
            } catch (IOException e) {
                accepting.complete(e);
            }
        });
        // Stays a sleep: a thread blocked in a native accept looks RUNNABLE, so there is nothing to poll for.
        Thread.sleep(100);
        listener.close();
        assertThat(accepting.get(5, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
        t.join();
    }

    /** A pair whose second end accepts one descriptor. */
    private static UnixSocket[] acceptingPair() throws IOException {
        return UnixSocket.pair(UnixSocket.Descriptors.REFUSE, UnixSocket.Descriptors.ACCEPT_ONE);
    }

    /** The descriptor number of a socket, taken from its owner (which must not be used afterwards). */
    private static int rawOf(UnixSocket s) {
        try {
            int fd = s.fd().acquire();
            s.fd().release();
            return fd;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sendRaw(UnixSocket sender, int... fds) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(1);
            Sockets.sendWithDescriptors(rawOf(sender), one, fds);
        }
    }

    private static String readAll(UnixSocket s) throws IOException {
        StringBuilder b = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocateDirect(64);
        while (s.read(buf.clear()) >= 0) {
            buf.flip();
            b.append(StandardCharsets.US_ASCII.decode(buf));
        }
        return b.toString();
    }

    private static Set<Integer> openDescriptors() throws IOException {
        Set<Integer> fds = new HashSet<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            s.forEach(p -> fds.add(Integer.parseInt(p.getFileName().toString())));
        }
        // The listing's own descriptor comes and goes.
        return fds.stream().filter(fd -> Files.isSymbolicLink(Path.of("/proc/self/fd/" + fd))).collect(
                java.util.stream.Collectors.toSet());
    }
}
