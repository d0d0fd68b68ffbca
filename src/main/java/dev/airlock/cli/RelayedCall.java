package dev.airlock.cli;

import dev.airlock.agent.Caller;
import dev.airlock.broker.AdminClient;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.Wire;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.channels.SocketChannel;

/** The data of a call that the broker relays on an admin connection ({@code airlock run}, {@code airlock copy}). */
final class RelayedCall {
    private RelayedCall() {
    }

    /**
     * Runs the call on {@code ch} to its end and returns the command's exit code. When the broker dies meanwhile,
     * says so with {@code whenLost} and returns 125: the connection then ends without an exit code, or is reset.
     */
    static int run(AdminClient client, SocketChannel ch, InputStream stdin, PrintWriter err, String whenLost)
            throws IOException {
        return run(client, ch, stdin, err, whenLost, Invocation.current().out(),
                Invocation.current().err());
    }

    /**
     * Like {@link #run}, for a command whose output is only messages to the user ({@code qvm-copy} run for
     * {@code airlock copy}): the domain prints them, so both streams pass through {@link TerminalSafeOutput}.
     */
    static int runShowingMessages(AdminClient client, SocketChannel ch, InputStream stdin, PrintWriter err,
                                  String whenLost) throws IOException {
        // Not closed: that would close the process's own standard streams.
        TerminalSafeOutput out = new TerminalSafeOutput(Invocation.current().out());
        TerminalSafeOutput errors = new TerminalSafeOutput(Invocation.current().err());
        try {
            return run(client, ch, stdin, err, whenLost, out, errors);
        } finally {
            out.finish();
            errors.finish();
        }
    }

    private static int run(AdminClient client, SocketChannel ch, InputStream stdin, PrintWriter err,
                           String whenLost, OutputStream out, OutputStream errors) throws IOException {
        int code;
        try {
            code = Caller.exchange(ch, new MessageReader(ch), stdin, out, errors);
        } catch (IOException e) {
            if (client.isRunning()) {
                throw e;
            }
            code = Wire.EXIT_MACHINERY;
        }
        if (code == Wire.EXIT_MACHINERY && !client.isRunning()) {
            err.println("ERROR: " + Messages.safe(whenLost));
        }
        return code;
    }
}
