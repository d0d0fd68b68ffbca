package dev.airlock.cli;

import dev.airlock.filecopy.FilecopyErrors;
import dev.airlock.filecopy.Reply;
import dev.airlock.filecopy.Unpacker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code airlock qfile-unpacker}: the receiver of {@code qubes.Filecopy}, stream on stdin, reply on stdout. */
@Command(name = "qfile-unpacker",
        description = "Receive a qubes.Filecopy stream on standard input into DIR (created 0700 if missing) and write "
                + "the reply on standard output (the Qubes qfile-unpacker role). The stream is treated as hostile: "
                + "nothing is written outside DIR, nothing is overwritten, and a refused file leaves nothing "
                + "behind.",
        exitCodeListHeading = "Exit status:%n",
        exitCodeList = {"0:success", "n:the reply's error code, low byte (as Qubes: 17 exists, 84 forbidden name, "
                + "67 unsafe link, 121 stream ended early, 118 stream cut inside a name or file...)"},
        mixinStandardHelpOptions = true)
final class QfileUnpackerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--allow-all-names",
            description = "Accept any characters in names and link targets (the path-form checks stay).")
    boolean allowAllNames;

    @Option(names = "--max-bytes", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "0",
            description = "Most bytes of file content to accept (e.g. 4G); 0 = unlimited (default).")
    long maxBytes;

    @Option(names = "--max-files", paramLabel = "N", defaultValue = "0",
            description = "Most entries (headers) to accept; 0 = unlimited (default).")
    long maxFiles;

    @Parameters(paramLabel = "DIR", description = "The destination folder.")
    Path dir;

    @Override
    public Integer call() throws IOException {
        if (maxFiles < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-files must not be negative");
        }
        Reply reply = Unpacker.receive(dir, Stdio.in(), Stdio.out(),
                new Unpacker.Options(allowAllNames, maxBytes, maxFiles));
        if (!reply.success()) {
            spec.commandLine().getErr().println("ERROR: " + Messages.safe(
                    FilecopyErrors.describe(reply.errorCode(), reply.lastNameText())));
        }
        return FilecopyErrors.exitStatus(reply.errorCode());
    }
}
