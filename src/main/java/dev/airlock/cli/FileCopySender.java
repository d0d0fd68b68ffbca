package dev.airlock.cli;

import dev.airlock.agent.Caller;
import dev.airlock.agent.Connections;
import dev.airlock.agent.CopyToDomain;
import dev.airlock.filecopy.Conflict;
import dev.airlock.filecopy.ConflictReport;
import dev.airlock.filecopy.Packer;
import dev.airlock.filecopy.Preamble;
import dev.airlock.filecopy.TransferException;
import dev.airlock.qrexec.QrexecNames;
import dev.airlock.qrexec.Wire;
import dev.airlock.sys.Trees;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;

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
     * Sends {@code paths} to {@code target} with Qubes' {@code options}, into the folder {@code to} asks for
     * ({@code null}: the receiver's default); returns the exit code, or throws with what went wrong. Always announces
     * that it reads the receiver's conflict report (airlock's receiver is the only one behind the broker): what the
     * receiver skipped or renamed is printed, and a move keeps every source of which anything was skipped.
     */
    static int send(String target, List<String> paths, boolean move, FileCopyOptions options, String to,
                    PrintWriter err)
            throws IOException {
        if (!Connections.insideDomain()) {
            throw new IOException("not inside an airlock domain (no " + Connections.CHANNEL + ")");
        }
        QrexecNames.requireTarget(target);
        List<String> files = Invocation.current().resolveAll(paths);
        return deliver(target, files, move, options, to, err,
                (survey, packer, messages) -> CopyToDomain.send(Connections.AGENT_SOCKET, target, files, survey,
                        packer, messages),
                () -> Connections.brokerListens(Connections.AGENT_SOCKET));
    }

    /** How the stream reaches the receiver: a call from a domain, or the host's own over the admin connection. */
    @FunctionalInterface
    interface Transfer {
        /** Sends the surveyed files with {@code options}; the receiver's messages go to {@code receiverMessages}. */
        Packer.Result send(Packer.Survey survey, Packer.Options options, OutputStream receiverMessages)
                throws IOException, Caller.Refused;
    }

    /**
     * Checks the files, sends them by {@code transfer}, prints what the receiver skipped or renamed, and for a move
     * deletes the sources the receiver confirmed in full; {@code brokerListens} tells a broker that died from any
     * other failure.
     */
    static int deliver(String target, List<String> paths, boolean move, FileCopyOptions options, String to,
                       PrintWriter err, Transfer transfer, BooleanSupplier brokerListens) throws IOException {
        Packer.Survey survey = Packer.survey(paths, options.ignoreSymlinks());
        if (!survey.unsafeLinks().isEmpty()) {
            throw new TransferException("nothing was sent: the receiver would refuse these links, which could point"
                    + " outside the sent files: " + String.join(", ", survey.unsafeLinks())
                    + " (use --ignore-symlinks to skip links)");
        }
        // The receiving domain's messages (its unpacker's errors name the sender's files as it read them).
        TerminalSafeOutput receiverMessages = new TerminalSafeOutput(Invocation.current().err());
        ConflictReport conflicts;
        try {
            Packer.Result r = transfer.send(survey,
                    new Packer.Options(options.ignoreSymlinks(), options.progress().create(Invocation.current().errPrint(),
                            (move ? "Moving files" : "Copying files")
                                    + (target.equals(DEFAULT_TARGET) ? "" : " to " + target)),
                            w -> err.println("airlock: " + Messages.safe(w)))
                            .withPreamble(new Preamble(true, to)),
                    receiverMessages);
            conflicts = r.reply().conflicts() == null ? ConflictReport.NONE : r.reply().conflicts();
        } catch (Caller.Refused r) {
            err.println("ERROR: " + target + " qubes.Filecopy: " + Messages.safe(r.getMessage()));
            return r.exitCode();
        } catch (IOException e) {
            // A broker that dies cuts the call; the sender then sees only the receiver, or the broker, go silent.
            if (brokerListens.getAsBoolean()) {
                throw e;
            }
            err.println("ERROR: the broker stopped answering, so the copy did not complete: the receiver keeps only"
                    + " the files it had completed" + (move ? "; the sources are kept" : ""));
            return Wire.EXIT_MACHINERY;
        } finally {
            receiverMessages.finish();
        }
        printConflicts(conflicts, err);
        if (move) {
            try {
                for (String p : paths) {
                    if (conflicts.skippedAnythingOf(p)) {
                        err.println("airlock: kept \"" + Messages.safe(p) + "\": the receiver skipped some of it");
                        continue;
                    }
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

    /** One line per entry the receiver did not place as sent; its names are untrusted, hence made safe. */
    private static void printConflicts(ConflictReport report, PrintWriter err) {
        for (Conflict c : report.listed()) {
            switch (c) {
                case Conflict.Skipped s -> err.println("airlock: skipped \"" + Messages.safe(s.name())
                        + "\": the receiver already has that name");
                case Conflict.Renamed r -> err.println("airlock: \"" + Messages.safe(r.name()) + "\" arrived as \""
                        + Messages.safe(r.as()) + "\": the receiver already has that name");
            }
        }
        if (report.moreSkipped() > 0 || report.moreRenamed() > 0) {
            err.println("airlock: and " + report.moreSkipped() + " more skipped, " + report.moreRenamed()
                    + " more renamed");
        }
    }
}
