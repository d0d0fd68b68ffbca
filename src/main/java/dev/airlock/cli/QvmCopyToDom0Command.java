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

/** {@code qvm-copy-to-dom0 FILE...}: copies files from this domain into the host user's {@code ~/QubesIncoming/SOURCE}. */
@Command(name = "qvm-copy-to-dom0",
        description = "Copy files and folders from this domain to the host, into ~/QubesIncoming/<this domain> of the host's user (Qubes' qvm-copy-to-dom0). The host takes at most 4 GiB, 4096 files and 90%% of its free space per copy, and regular files and folders only, unless its settings say otherwise. Exits 0 only when the host confirmed everything; 126 refused, 125 call failure.",
        mixinStandardHelpOptions = true)
final class QvmCopyToDom0Command implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    FileCopyOptions options;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Files and folders to copy.")
    List<String> paths;

    @Override
    public Integer call() throws IOException {
        return FileCopySender.send(QrexecNames.HOST, paths, false, options, null, spec.commandLine().getErr());
    }
}
