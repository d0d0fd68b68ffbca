package dev.airlock.agent;

import dev.airlock.contract.BuiltInService;
import dev.airlock.filecopy.Packer;
import dev.airlock.filecopy.TransferException;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

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
        ServiceCall call = new ServiceCall(FILECOPY, argument(survey));
        try (Caller.Call c = Caller.connect(socket, target, call)) {
            UnixSocket data = c.data();
            return over(target, paths, survey, HalfChannels.output(data), data, options, stderr);
        }
    }

    /**
     * Sends {@code paths} on a call that is already connected, with the caller's side of the protocol: the raw
     * stream goes to {@code out} (closing it is the end of input the receiver reads), and the receiver's frames
     * come from {@code in}. The host's {@code airlock copy FILE... DOMAIN} uses it on its relayed admin connection.
     *
     * @throws TransferException when the transfer did not complete, with what went wrong
     */
    public static Packer.Result over(String target, List<String> paths, Packer.Survey survey,
                                     WritableByteChannel out, ReadableByteChannel in, Packer.Options options,
                                     OutputStream stderr) throws TransferException {
        // The stream goes straight onto the call's own connection, and the packer reads the receiver's reply
        // straight from the call's output; the service's stderr is shown whenever the packer's reply watcher
        // or the exit code below reads past it.
        CallOutput output = new CallOutput(new MessageReader(in), stderr);
        Packer.Result result = Packer.send(paths, survey, out, output, options);
        int code = exitCode(output);
        if (code != 0) {
            throw new TransferException("the receiver in " + target + " exited with " + code);
        }
        return result;
    }

    /** {@code ALLOW_ALL_NAMES} when the survey found names that need it, else no argument. */
    public static String argument(Packer.Survey survey) {
        return survey.needsAllowAllNames() ? ALLOW_ALL_NAMES : "";
    }

    private static int exitCode(CallOutput output) throws TransferException {
        OptionalInt code;
        try {
            code = output.exitCode();
        } catch (IOException e) {
            throw new TransferException("the call ended without the receiver's exit code", e);
        }
        if (code.isEmpty()) {
            throw new TransferException("the call ended without the receiver's exit code",
                    new IOException("no exit code"));
        }
        return code.getAsInt();
    }
}
