package dev.airlock.agent;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.qrexec.DataStream;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.Message.Connect;
import dev.airlock.qrexec.Message.Data;
import dev.airlock.qrexec.Message.ServiceStart;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.Wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The service's side of one call in the target domain: a data connection to the broker, whose framed stdin feeds
 * the service and to which its stdout and stderr go as frames, then both EOFs and the exit code.
 */
final class ServiceSide {
    /** The broker's own service: run a command given as the first stdin frame (a JSON array of strings). */
    static final String RUN_SERVICE = "airlock.Run";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServiceSide() {
    }

    static void serve(Path socket, ServiceStart start, ServiceRunner runner) throws IOException {
        try (Connections.Link link = Connections.open(socket, new Connect(start.token()))) {
            SocketChannel ch = link.channel();
            Object lock = new Object();
            FrameOutput out = new FrameOutput(ch, DataStream.STDOUT, lock);
            FrameOutput err = new FrameOutput(ch, DataStream.STDERR, lock);
            int code;
            try {
                List<String> command = start.call().service().equals(RUN_SERVICE) ? command(link.in()) : null;
                Pipe stdin = Pipe.open();
                Thread.ofVirtual().name("airlock-stdin").start(() -> feed(link.in(), stdin.sink()));
                ServiceRunner.Io io = new ServiceRunner.Io(stdin.source(), out, err);
                try {
                    code = command != null ? runner.runProcess(command, Map.of(), io)
                            : runner.run(new ServiceRunner.Call(start.source(), start.call().service(),
                                    start.call().argument()), io);
                } finally {
                    // The service no longer reads: a caller still sending finds the pipe closed.
                    stdin.source().close();
                }
            } catch (IOException e) {
                err.write(ByteBuffer.wrap(("airlock: " + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8)));
                code = Wire.EXIT_NO_SERVICE;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                code = Wire.EXIT_MACHINERY;
            }
            out.close();
            err.close();
            synchronized (lock) {
                MessageEncoder.write(new Message.ExitCode(code), ch);
            }
            ch.shutdownOutput();
        }
    }

    /** The command of {@value #RUN_SERVICE}: the first stdin frame, which only the broker writes. */
    private static List<String> command(MessageReader in) throws IOException {
        if (!(in.require() instanceof Data d) || d.stream() != DataStream.STDIN || d.isEof()) {
            throw new IOException("no command to run");
        }
        List<String> argv = JSON.readValue(d.bytes(), new TypeReference<List<String>>() { });
        if (argv.isEmpty()) {
            throw new IOException("no command to run");
        }
        return argv;
    }

    /** Copies the caller's framed stdin into the service's input, ending it at the caller's EOF. */
    private static void feed(MessageReader in, Pipe.SinkChannel sink) {
        try (sink) {
            for (Optional<Message> m = in.read(); m.isPresent(); m = in.read()) {
                if (m.get() instanceof Data d && d.stream() == DataStream.STDIN) {
                    if (d.isEof()) {
                        return;
                    }
                    ByteBuffer b = d.view();
                    while (b.hasRemaining()) {
                        sink.write(b);
                    }
                }
            }
        } catch (IOException e) {
            // The caller went away or the service stopped reading: its input ends here.
        }
    }
}
