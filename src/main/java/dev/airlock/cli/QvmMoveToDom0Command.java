package dev.airlock.cli;

import dev.airlock.qrexec.QrexecNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code qvm-move-to-dom0 FILE...}: {@code qvm-copy-to-dom0}, then the sources are deleted once the host confirmed. */
@Command(name = "qvm-move-to-dom0",
        description = "Move files and folders from this domain to the host, into ~/QubesIncoming/<this domain> of the host's user (Qubes' qvm-move-to-dom0): the sources are deleted only after the host confirmed everything. Exit code: 0 moved; 126 refused, 125 call failure, 1 other errors.",
        mixinStandardHelpOptions = true)
final class QvmMoveToDom0Command implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    FileCopyOptions options;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Files and folders to move.")
    List<String> paths;

    @Override
    public Integer call() throws IOException {
        return FileCopySender.send(QrexecNames.HOST, paths, true, options, null, spec.commandLine().getErr());
    }
}
