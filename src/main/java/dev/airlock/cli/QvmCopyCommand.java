package dev.airlock.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code qvm-copy FILE...}: copies files to a domain the user chooses on the host, never in this domain. */
@Command(name = "qvm-copy",
        description = "Copy files and folders from this domain to a domain you choose in the host's prompt "
                + "(airlock copy, or airlock pending/approve). "
                + "Exit code: 0 copied; 126 refused, 127 no receiver, 125 call failure, 1 other errors.",
        mixinStandardHelpOptions = true)
final class QvmCopyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    FileCopyOptions options;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Files and folders to copy.")
    List<String> paths;

    @Override
    public Integer call() throws IOException {
        return FileCopySender.send(FileCopySender.DEFAULT_TARGET, paths, false, options, null,
                spec.commandLine().getErr());
    }
}
