package dev.airlock.agent;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.contract.BuiltInService;
import dev.airlock.qrexec.DataStream;
import dev.airlock.qrexec.FrameOutput;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.Message.CallChannel;
import dev.airlock.qrexec.Message.Connect;
import dev.airlock.qrexec.Message.Data;
import dev.airlock.qrexec.Message.ServiceStart;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.Wire;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The service's side of one call in the target domain. A CONNECT connection to the broker brings the service's end
 * of the call's own connection: the caller's raw stdin feeds the service directly from it, and its stdout and stderr
 * go there as frames, then both EOFs and the exit code. The exit code is reported to the broker too, on the CONNECT
 * connection, which is how the broker learns that the call has ended.
 */
final class ServiceSide {
    /**
     * The exit code of a built-in service ended because its caller went away: what a shell reports for a process
     * that {@code SIGTERM} ended, as an executable service's would be.
     */
    static final int CALLER_GONE = 128 + 15;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServiceSide() {
    }

    static void serve(Path socket, ServiceStart start, ServiceRunner runner) throws IOException {
        try (Connections.Link link = Connections.open(socket, new Connect(start.token()),
                UnixSocket.Descriptors.ACCEPT_ONE)) {
            Connections.expect(link.in(), CallChannel.class);
            int code;
            try (UnixSocket data = link.channel().takeDescriptor()) {
                code = run(start, runner, data);
            }
            MessageEncoder.write(new Message.ExitCode(code), link.channel());
        }
    }

    private static int run(ServiceStart start, ServiceRunner runner, UnixSocket data) throws IOException {
        Object lock = new Object();
        FrameOutput out = new FrameOutput(data, DataStream.STDOUT, lock);
        FrameOutput err = new FrameOutput(data, DataStream.STDERR, lock);
        int code;
        try {
            List<String> command = start.call().service().equals(BuiltInService.RUN.serviceName())
                    ? command(new MessageReader(data)) : null;
            ServiceRunner.Io io = new ServiceRunner.Io(HalfChannels.input(data), out, err);
            try (CallerWatch watch = CallerWatch.start(data)) {
                code = runService(start, runner, command, io, watch);
            } finally {
                // The service no longer reads: a caller still sending fails at once, and a pump blocked reading
                // the caller's input wakes up.
                data.shutdownInput();
            }
        } catch (IOException e) {
            err.write(ByteBuffer.wrap(("airlock: " + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8)));
            code = Wire.EXIT_NO_SERVICE;
        }
        try {
            out.close();
            err.close();
            synchronized (lock) {
                MessageEncoder.write(new Message.ExitCode(code), data);
            }
            data.shutdownOutput();
        } catch (IOException e) {
            // The caller is gone (a disposable's caller closes as soon as it has what it wanted); the broker still
            // hears how the service ended.
        }
        return code;
    }

    /**
     * Runs the service while {@code watch} looks out for its caller. A service that its caller's going away
     * interrupted ends with {@link #CALLER_GONE} unless it has an exit code of its own (a killed process's);
     * an interrupt from elsewhere is kept.
     */
    private static int runService(ServiceStart start, ServiceRunner runner, List<String> command,
                                  ServiceRunner.Io io, CallerWatch watch) throws IOException {
        try {
            return command != null ? runner.runProcess(command, Map.of(), io)
                    : runner.run(new ServiceRunner.Call(start.source(), start.call().service(),
                            start.call().argument()), io);
        } catch (InterruptedException e) {
            if (watch.callerGone()) {
                return CALLER_GONE;
            }
            Thread.currentThread().interrupt();
            return Wire.EXIT_MACHINERY;
        }
    }

    /**
     * The command of {@link BuiltInService#RUN}, the broker's own service: the first stdin frame (a JSON array of
     * strings), which only the broker writes.
     */
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
}
