package dev.airlock.agent;

import dev.airlock.contract.BuiltInService;
import dev.airlock.filecopy.Packer;
import dev.airlock.filecopy.TransferException;
import dev.airlock.qrexec.DataStream;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.Message.Data;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * {@code qvm-copy-to-vm}: the packer of {@code qubes.Filecopy} over a call to another domain, whose unpacker's reply
 * comes back as the call's stdout. Success is the receiver's confirmation with a matching checksum and its exit 0.
 */
public final class CopyToDomain {
    private static final String FILECOPY = BuiltInService.FILECOPY.serviceName();
    private static final String ALLOW_ALL_NAMES = "allow-all-names";

    private CopyToDomain() {
    }

    /**
     * Sends {@code paths} to {@code target}.
     *
     * @throws Caller.Refused     when the broker refuses the call
     * @throws TransferException  when the transfer did not complete, with what went wrong
     */
    public static Packer.Result send(Path socket, String target, List<String> paths, Packer.Survey survey,
                                     Packer.Options options, OutputStream stderr)
            throws IOException, Caller.Refused {
        ServiceCall call = new ServiceCall(FILECOPY, survey.needsAllowAllNames() ? ALLOW_ALL_NAMES : "");
        try (Caller.Call c = Caller.connect(socket, target, call)) {
            UnixSocket data = c.data();
            // The stream goes straight onto the call's own connection; the small reply comes back through a pipe
            // so that the service's stderr keeps flowing while the packer is still writing.
            Pipe reply = Pipe.open();
            CompletableFuture<Integer> exit = new CompletableFuture<>();
            Thread.ofPlatform().daemon().name("airlock-copy-reply")
                    .start(() -> receive(new MessageReader(data), reply.sink(), stderr, exit));
            Packer.Result result = Packer.send(paths, survey, HalfChannels.output(data), reply.source(), options);
            int code = exitCode(exit);
            if (code != 0) {
                throw new TransferException("the receiver in " + target + " exited with " + code);
            }
            return result;
        }
    }

    private static int exitCode(CompletableFuture<Integer> exit) throws TransferException {
        try {
            return exit.get();
        } catch (ExecutionException e) {
            throw new TransferException("the call ended without the receiver's exit code", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransferException("interrupted", e);
        }
    }

    /** The service's stdout is the unpacker's reply; its stderr is shown; its exit code ends the call. */
    private static void receive(MessageReader in, Pipe.SinkChannel reply, OutputStream stderr,
                                CompletableFuture<Integer> exit) {
        try (reply) {
            for (Optional<Message> m = in.read(); m.isPresent(); m = in.read()) {
                switch (m.get()) {
                    case Data d when d.stream() == DataStream.STDOUT && !d.isEof() -> {
                        ByteBuffer b = d.view();
                        while (b.hasRemaining()) {
                            reply.write(b);
                        }
                    }
                    case Data d when d.stream() == DataStream.STDERR -> {
                        stderr.write(d.bytes());
                        stderr.flush();
                    }
                    case Message.ExitCode e -> {
                        exit.complete(e.code());
                        return;
                    }
                    default -> {
                        // Nothing else flows to the caller.
                    }
                }
            }
            exit.completeExceptionally(new IOException("no exit code"));
        } catch (IOException e) {
            exit.completeExceptionally(e);
        }
    }
}
