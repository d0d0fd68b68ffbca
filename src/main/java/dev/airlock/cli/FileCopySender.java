package dev.airlock.cli;

import dev.airlock.agent.Caller;
import dev.airlock.agent.Connections;
import dev.airlock.agent.CopyToDomain;
import dev.airlock.filecopy.Packer;
import dev.airlock.filecopy.TransferException;
import dev.airlock.qrexec.QrexecNames;
import dev.airlock.qrexec.Wire;
import dev.airlock.sys.Trees;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code qvm-copy}, {@code qvm-copy-to-vm}, {@code qvm-move} and {@code qvm-move-to-vm} share: checks the
 * files as the receiver will, sends them, and for a move deletes them once the receiver confirmed everything.
 */
final class FileCopySender {
    /** The target of {@code qvm-copy} and {@code qvm-move}: the user picks it in the broker's trusted prompt. */
    static final String DEFAULT_TARGET = "@default";

    private FileCopySender() {
    }

    /**
     * Sends {@code paths} to {@code target} with Qubes' {@code options}; returns the exit code, or throws with what
     * went wrong.
     */
    static int send(String target, List<String> paths, boolean move, FileCopyOptions options, PrintWriter err)
            throws IOException {
        if (!Connections.insideDomain()) {
            throw new IOException("not inside an airlock domain (no " + Connections.CHANNEL + ")");
        }
        QrexecNames.requireTarget(target);
        Packer.Survey survey = Packer.survey(paths, options.ignoreSymlinks());
        if (!survey.unsafeLinks().isEmpty()) {
            throw new TransferException("nothing was sent: the receiver would refuse these links, which could point"
                    + " outside the sent files: " + String.join(", ", survey.unsafeLinks())
                    + " (use --ignore-symlinks to skip links)");
        }
        // The receiving domain's messages (its unpacker's errors name the sender's files as it read them).
        TerminalSafeOutput receiverMessages = new TerminalSafeOutput(new FileOutputStream(FileDescriptor.err));
        try {
            CopyToDomain.send(Connections.AGENT_SOCKET, target, paths, survey,
                    new Packer.Options(options.ignoreSymlinks(), options.progress().create(System.err),
                            w -> err.println("airlock: " + Messages.safe(w))),
                    receiverMessages);
        } catch (Caller.Refused r) {
            err.println("ERROR: " + target + " qubes.Filecopy: " + Messages.safe(r.getMessage()));
            return r.exitCode();
        } catch (IOException e) {
            // A broker that dies cuts the call; the sender then sees only the receiver, or the broker, go silent.
            if (Connections.brokerListens(Connections.AGENT_SOCKET)) {
                throw e;
            }
            err.println("ERROR: the broker stopped answering, so the copy did not complete: the receiver keeps only"
                    + " the files it had completed" + (move ? "; the sources are kept" : ""));
            return Wire.EXIT_MACHINERY;
        } finally {
            receiverMessages.finish();
        }
        if (move) {
            try {
                for (String p : paths) {
                    Trees.delete(Path.of(p));
                }
            } catch (IOException e) {
                // The receiver has everything: the user must learn that what is left here is a second copy.
                throw new IOException("everything was delivered, but the sources could not all be deleted: "
                        + Messages.describe(e), e);
            }
        }
        return 0;
    }
}
