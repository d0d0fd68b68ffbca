package dev.airlock.cli;

import dev.airlock.agent.Caller;
import dev.airlock.broker.AdminClient;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.Wire;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
        int code;
        try {
            code = Caller.exchange(ch, new MessageReader(ch), stdin, new FileOutputStream(FileDescriptor.out),
                    new FileOutputStream(FileDescriptor.err));
        } catch (IOException e) {
            if (client.isRunning()) {
                throw e;
            }
            code = Wire.EXIT_MACHINERY;
        }
        if (code == Wire.EXIT_MACHINERY && !client.isRunning()) {
            err.println("ERROR: " + whenLost);
        }
        return code;
    }
}
