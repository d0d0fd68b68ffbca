package dev.airlock.cli;

import dev.airlock.pendrive.client.PendriveCopy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code qvm-copy-to-vm DEST FILE...}: copies files from this domain into {@code ~/QubesIncoming/SOURCE} of DEST. */
@Command(name = "qvm-copy-to-vm",
        description = "Copy files and folders from this domain to DEST, into its ~/QubesIncoming/<this domain>. "
                + "A name DEST already has is settled by DEST's own choice (fail as in Qubes, skip, or rename the new "
                + "one); skipped and renamed files are listed. "
                + "Exits 0 only when DEST confirmed everything; 126 refused, 127 no receiver, 125 call failure.",
        mixinStandardHelpOptions = true)
final class QvmCopyToVmCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    FileCopyOptions options;

    @Parameters(index = "0", paramLabel = "DEST", description = "The domain to copy to.")
    String target;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "FILE", description = "Files and folders to copy.")
    List<String> paths;

    @Option(names = "--pendrive", description = "Use the legacy virtual-pendrive exchange instead of qubes.Filecopy: "
            + "the files arrive in DEST's ~/QubesIncoming/pendrive-<this domain>.")
    boolean pendrive;

    @Mixin
    DestinationFolderOption destination;

    @Override
    public Integer call() throws IOException {
        if (pendrive && destination.folder != null) {
            spec.commandLine().getErr().println("ERROR: --to works over qubes.Filecopy only, not with --pendrive");
            return 2;
        }
        if (pendrive) {
            return PendriveCopy.send(PendriveSocket.path(), target, Invocation.current().resolveAll(paths),
                    spec.commandLine().getErr());
        }
        return FileCopySender.send(target, paths, false, options, destination.folder, spec.commandLine().getErr());
    }
}
