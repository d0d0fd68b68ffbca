package dev.airlock.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.concurrent.Callable;

/** {@code qvm-open-in-dvm [--view-only] FILE}: opens a file in a new disposable domain (= {@code @dispvm}). */
@Command(name = "qvm-open-in-dvm",
        description = {"Open FILE in a new disposable domain, which is destroyed afterwards. An edited file replaces "
                + "FILE here (atomically); on any failure FILE stays untouched.",
                "Exit code: 0 done; 126 refused, 127 no such service, 125 call failure, 1 other errors (or the "
                        + "service's exit code)."},
        mixinStandardHelpOptions = true)
final class QvmOpenInDvmCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--view-only", description = "Do not take any changes back.")
    boolean viewOnly;

    @Option(names = "--max-bytes", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Largest reply accepted (e.g. 512M, 2G); default $" + OpenInVmSender.MAX_BYTES_ENV
                    + " or 1G. A longer reply ends the call and FILE stays as it was.")
    Long maxBytes;

    @Parameters(index = "0", paramLabel = "FILE", description = "The file to open.")
    String file;

    @Override
    public Integer call() throws IOException {
        return OpenInVmSender.open(OpenInVmSender.DISPVM, file, viewOnly, maxBytes, spec.commandLine().getErr());
    }
}
