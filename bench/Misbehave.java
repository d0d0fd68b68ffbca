import dev.airlock.agent.Caller;
import dev.airlock.qrexec.ServiceCall;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A domain that misbehaves on purpose, for bench/load.sh (issue 17), through its own sockets for SECONDS: it opens
 * IDLE connections to its agent socket and never speaks, floods calls of SERVICE to TARGET from FLOODERS threads, and
 * sends 2 MiB frames (a header claiming 2 MiB, then 2 MiB of junk) on new connections to its pendrive socket and its
 * agent socket, one after the other, each connection given up after 10 s. Prints what it managed:
 * "idle N floodcalls N bigframes N".
 * Run with the JDK's source launcher: java -cp target/airlock.jar bench/Misbehave.java CHANNEL_DIR TARGET SERVICE
 * SECONDS IDLE FLOODERS
 */
void main(String[] args) throws Exception {
    Path channel = Path.of(args[0]);
    String target = args[1];
    String service = args[2];
    long until = System.nanoTime() + Long.parseLong(args[3]) * 1_000_000_000L;
    int idle = Integer.parseInt(args[4]);
    int flooders = Integer.parseInt(args[5]);
    Path agent = channel.resolve("agent.sock");
    Path pendrive = channel.resolve("pendrive.sock");
    List<SocketChannel> silent = new ArrayList<>();
    for (int i = 0; i < idle; i++) {
        try {
            silent.add(open(agent));
        } catch (Exception refused) {
            break;
        }
    }
    AtomicLong calls = new AtomicLong();
    AtomicLong frames = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < flooders; i++) {
        threads.add(Thread.ofPlatform().start(() -> {
            while (System.nanoTime() < until) {
                try {
                    Caller.call(agent, target, new ServiceCall(service, ""), new ByteArrayInputStream(new byte[0]),
                            new ByteArrayOutputStream(), new ByteArrayOutputStream());
                } catch (Exception e) {
                    // A refused or failed call is as good a flood as an answered one.
                }
                calls.incrementAndGet();
            }
        }));
    }
    threads.add(Thread.ofPlatform().start(() -> {
        byte[] junk = new byte[2 << 20];
        while (System.nanoTime() < until) {
            for (Path socket : List.of(pendrive, agent)) {
                try (SocketChannel ch = open(socket)) {
                    // A broker that neither reads nor hangs up would block this write forever: bounded at 10 s.
                    Thread.ofVirtual().start(() -> {
                        try {
                            Thread.sleep(10_000);
                            ch.close();
                        } catch (Exception e) {
                            // closed already
                        }
                    });
                    // Pendrive frames: a 4-byte big-endian length; qrexec: type and length, little-endian.
                    ByteBuffer header = socket.equals(pendrive)
                            ? ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN).putInt(junk.length)
                            : ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(0x400).putInt(junk.length);
                    header.flip();
                    ch.write(header);
                    ByteBuffer body = ByteBuffer.wrap(junk);
                    while (body.hasRemaining() && ch.write(body) >= 0) {
                        // until the peer closes (the expected answer) or takes it all
                    }
                } catch (Exception closed) {
                    // The broker hung up on the frame: what it should do.
                }
                frames.incrementAndGet();
            }
        }
    }));
    for (Thread t : threads) {
        t.join();
    }
    for (SocketChannel ch : silent) {
        ch.close();
    }
    System.out.printf("idle %d floodcalls %d bigframes %d%n", silent.size(), calls.get(), frames.get());
}

static SocketChannel open(Path socket) throws java.io.IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    ch.connect(UnixDomainSocketAddress.of(socket));
    return ch;
}
