package dev.airlock.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code qvm-move FILE...}: {@code qvm-copy}, then the sources are deleted. */
@Command(name = "qvm-move",
        description = "Move files and folders from this domain to a domain you choose in the host's prompt: the "
                + "sources are deleted only after the receiver confirmed everything. "
                + "Exit code: 0 moved; 126 refused, 127 no receiver, 125 call failure, 1 other errors.",
        mixinStandardHelpOptions = true)
final class QvmMoveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    FileCopyOptions options;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Files and folders to move.")
    List<String> paths;

    @Override
    public Integer call() throws IOException {
        return FileCopySender.send(FileCopySender.DEFAULT_TARGET, paths, true, options, null,
                spec.commandLine().getErr());
    }
}
