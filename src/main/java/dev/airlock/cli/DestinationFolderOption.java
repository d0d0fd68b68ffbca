package dev.airlock.cli;

import picocli.CommandLine.Option;

/** {@code --to FOLDER} of {@code qvm-copy-to-vm} and {@code qvm-move-to-vm}: where in DEST the files go. */
final class DestinationFolderOption {
    @Option(names = "--to", paramLabel = "FOLDER", description = "Deliver into FOLDER: a relative path is a subfolder "
            + "of DEST's ~/QubesIncoming/<this domain> (created if missing); ~/PATH is a folder in DEST's home, only if "
            + "DEST lists it (or a folder above it) in its ~/.config/airlock/incoming-destinations.")
    String folder;
}
