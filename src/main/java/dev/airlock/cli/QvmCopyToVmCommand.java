package dev.airlock.cli;

import dev.airlock.agent.Caller;
import dev.airlock.agent.Connections;
import dev.airlock.agent.CopyToDomain;
import dev.airlock.filecopy.Packer;
import dev.airlock.filecopy.TransferException;
import dev.airlock.qrexec.QrexecNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code qvm-copy-to-vm DEST FILE...}: copies files from this domain into {@code ~/QubesIncoming/SOURCE} of DEST. */
@Command(name = "qvm-copy-to-vm",
        description = "Copy files and folders from this domain to DEST, into its ~/QubesIncoming/<this domain>. "
                + "Exits 0 only when DEST confirmed everything; 126 refused, 127 no receiver, 125 call failure.",
        mixinStandardHelpOptions = true)
final class QvmCopyToVmCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DEST", description = "The domain to copy to.")
    String target;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "FILE", description = "Files and folders to copy.")
    List<String> paths;

    @Override
    public Integer call() throws IOException {
        var err = spec.commandLine().getErr();
        if (!Connections.insideDomain()) {
            throw new IOException("not inside an airlock domain (no " + Connections.AGENT_SOCKET + ")");
        }
        QrexecNames.requireTarget(target);
        Packer.Survey survey = Packer.survey(paths, false);
        if (!survey.unsafeLinks().isEmpty()) {
            throw new TransferException("nothing was sent: the receiver would refuse these links, which could point"
                    + " outside the sent files: " + String.join(", ", survey.unsafeLinks()));
        }
        try {
            CopyToDomain.send(Connections.AGENT_SOCKET, target, paths, survey,
                    new Packer.Options(false, Packer.Progress.NONE, w -> err.println("airlock: " + w)),
                    new FileOutputStream(FileDescriptor.err));
            return 0;
        } catch (Caller.Refused r) {
            err.println("ERROR: " + target + " qubes.Filecopy: " + r.getMessage());
            return r.exitCode();
        }
    }
}
