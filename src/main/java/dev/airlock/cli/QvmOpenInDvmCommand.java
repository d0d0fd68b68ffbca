package dev.airlock.cli;

import dev.airlock.contract.InDomain;
import dev.airlock.pendrive.client.DisposableTransactions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
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

    @Mixin
    OpenOptions options;

    @Option(names = "--pendrive", description = "Use the legacy virtual-pendrive exchange: FILE goes raw on a pendrive"
            + " to a new disposable (transaction number in ~/.dvm/seq, FILE's path in ~/.dvm/SEQ); this returns once it"
            + " is sent, and an edited FILE replaces this one when it comes back. Not with --view-only or --max-bytes.")
    boolean pendrive;

    @Parameters(index = "0", paramLabel = "FILE", description = "The file to open.")
    String file;

    @Override
    public Integer call() throws IOException {
        if (pendrive && (options.viewOnly || options.maxBytes != null)) {
            // The pendrive path takes back whatever reply comes, up to a whole pendrive: it cannot keep either promise.
            throw new ParameterException(spec.commandLine(),
                    "--pendrive cannot be combined with " + (options.viewOnly ? "--view-only" : "--max-bytes")
                            + ": a reply through a pendrive is always taken back, up to the pendrive's size");
        }
        if (pendrive) {
            return DisposableTransactions.open(PendriveSocket.path(), Path.of(InDomain.HOME),
                    Invocation.current().resolve(Path.of(file)),
                    spec.commandLine().getErr());
        }
        return OpenInVmSender.open(OpenInVmSender.DISPVM, file, options.viewOnly, options.maxBytes,
                spec.commandLine().getErr());
    }
}
