package dev.airlock.hostcopy;

import dev.airlock.filecopy.FileHeader;
import dev.airlock.qrexec.DataStream;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.sys.UnixSocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One copy into the host over a real socket pair, as the broker hands it over: the test writes the sender's
 * stream (raw bytes, possibly followed by an endless body), and reads back the frames the host's receiver sends.
 */
final class Exchange {
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;

    /** What the sender saw: the reply's error code, the host's stderr, its exit code, how long the send ran. */
    record Outcome(int errorCode, String stderr, int exitCode, long sendMillis, boolean sendFailed) {
    }

    private final ByteArrayOutputStream stream = new ByteArrayOutputStream();

    Exchange entry(int mode, String name, long declared, byte[] body) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.UTF_8);
        ByteBuffer h = ByteBuffer.allocate(FileHeader.SIZE);
        new FileHeader(n.length, mode, declared, 1_600_000_000L, 0, 1_700_000_000L, 0).encode(h);
        stream.writeBytes(h.array());
        stream.writeBytes(n);
        stream.writeBytes(body);
        return this;
    }

    Exchange file(String name, byte[] content) {
        return entry(S_IFREG | 0644, name, content.length, content);
    }

    Exchange end() {
        stream.writeBytes(new byte[FileHeader.SIZE]);
        return this;
    }

    /** Sends the stream, then {@code endlessBytes} more zeros (a body that goes on), and reads the host's answer. */
    Outcome run(HostReceiver receiver, Recipient to, String source, long endlessBytes) throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket caller = pair[0]; UnixSocket service = pair[1]) {
            CompletableFuture<Integer> served = CompletableFuture.supplyAsync(() -> {
                try {
                    return receiver.serve(to, source, new ServiceCall("qubes.Filecopy", ""), service);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            long start = System.nanoTime();
            boolean failed = false;
            try {
                write(caller, ByteBuffer.wrap(stream.toByteArray()));
                ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
                for (long left = endlessBytes; left > 0; left -= zeros.capacity()) {
                    write(caller, zeros.clear());
                }
                caller.shutdownOutput();
            } catch (IOException e) {
                failed = true;
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            // The host's answer is a few small frames: it never waits for this side to read them.
            served.get(30, TimeUnit.SECONDS);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = -1;
            MessageReader in = new MessageReader(caller);
            for (Optional<Message> m = in.read(); m.isPresent(); m = in.read()) {
                if (m.get() instanceof Message.Data d) {
                    (d.stream() == DataStream.STDOUT ? out : err).writeBytes(d.bytes());
                } else if (m.get() instanceof Message.ExitCode e) {
                    exit = e.code();
                    break;
                }
            }
            byte[] reply = out.toByteArray();
            int code = reply.length < 4 ? -1 : ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN).getInt();
            return new Outcome(code, err.toString(StandardCharsets.UTF_8), exit, millis, failed);
        }
    }

    private static void write(UnixSocket s, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            s.write(b);
        }
    }
}
