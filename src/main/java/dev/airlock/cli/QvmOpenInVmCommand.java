package dev.airlock.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.concurrent.Callable;

/** {@code qvm-open-in-vm [--view-only] DEST FILE}: opens a file in another domain and takes the edited file back. */
@Command(name = "qvm-open-in-vm",
        description = {"Open FILE in domain DEST with the handler for its type there. When it is closed, an edited "
                + "file replaces FILE here (atomically); an unchanged one leaves it as it is. On any failure FILE "
                + "stays untouched.",
                "Exit code: 0 done; 126 refused, 127 no such service, 125 call failure, 1 other errors (or the "
                        + "service's exit code)."},
        mixinStandardHelpOptions = true)
final class QvmOpenInVmCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OpenOptions options;

    @Parameters(index = "0", paramLabel = "DEST", description = "The domain to open the file in (or @dispvm).")
    String target;

    @Parameters(index = "1", paramLabel = "FILE", description = "The file to open.")
    String file;

    @Override
    public Integer call() throws IOException {
        return OpenInVmSender.open(target, file, options.viewOnly, options.maxBytes, spec.commandLine().getErr());
    }
}
