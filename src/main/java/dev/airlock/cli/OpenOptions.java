package dev.airlock.cli;

import picocli.CommandLine.Option;

/** The options {@code qvm-open-in-vm} and {@code qvm-open-in-dvm} share. */
final class OpenOptions {
    @Option(names = "--view-only", description = "Do not take any changes back.")
    boolean viewOnly;

    @Option(names = "--max-bytes", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Largest reply accepted (e.g. 512M, 2G); default $" + OpenInVmSender.MAX_BYTES_ENV
                    + " or 1G. A longer reply ends the call and FILE stays as it was.")
    Long maxBytes;
}
