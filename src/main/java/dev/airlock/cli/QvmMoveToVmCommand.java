package dev.airlock.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code qvm-move-to-vm DEST FILE...}: {@code qvm-copy-to-vm}, then the sources are deleted. */
@Command(name = "qvm-move-to-vm",
        description = "Move files and folders from this domain to DEST, into its ~/QubesIncoming/<this domain>: "
                + "the sources are deleted only after DEST confirmed everything, and a source of which DEST skipped "
                + "anything (a name it already had) is kept. "
                + "Exit code: 0 moved; 126 refused, 127 no receiver, 125 call failure, 1 other errors.",
        mixinStandardHelpOptions = true)
final class QvmMoveToVmCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    FileCopyOptions options;

    @Parameters(index = "0", paramLabel = "DEST", description = "The domain to move to.")
    String target;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "FILE", description = "Files and folders to move.")
    List<String> paths;

    @Mixin
    DestinationFolderOption destination;

    @Override
    public Integer call() throws IOException {
        return FileCopySender.send(target, paths, true, options, destination.folder, spec.commandLine().getErr());
    }
}
