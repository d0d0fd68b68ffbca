package dev.airlock.cli;

import dev.airlock.filecopy.Packer;
import dev.airlock.filecopy.TransferException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code airlock qfile-agent}: the sender of {@code qubes.Filecopy}, stream on stdout, reply on stdin. */
@Command(name = "qfile-agent",
        description = "Send files and folders as a qubes.Filecopy stream on standard output and read the receiver's "
                + "reply on standard input (the Qubes qfile-agent role). Exits 0 only when the receiver confirmed "
                + "everything with a matching checksum.",
        mixinStandardHelpOptions = true)
final class QfileAgentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--ignore-symlinks", description = "Skip symbolic links instead of sending them.")
    boolean ignoreSymlinks;

    @Option(names = "--progress", paramLabel = "MODE",
            description = "bar (a progress bar on standard error), bytes (cumulative byte counts, one per line, on"
                    + " standard error), gui (a window with Cancel after about 1 s) or none. Default: bar when standard"
                    + " error is a terminal, else none.")
    ProgressMode progress;

    @Parameters(paramLabel = "PATH", arity = "1..*", description = "Files and folders to send.")
    List<String> paths;

    @Override
    public Integer call() throws TransferException {
        var err = spec.commandLine().getErr();
        ProgressMode mode = progress != null ? progress : ProgressMode.byDefault();
        Packer.Survey survey = Packer.survey(paths, ignoreSymlinks);
        if (!survey.unsafeLinks().isEmpty()) {
            throw new TransferException("nothing was sent: the receiver would refuse these links, which could point"
                    + " outside the sent files: " + String.join(", ", survey.unsafeLinks())
                    + " (use --ignore-symlinks to skip links)");
        }
        Packer.send(paths, survey, Stdio.out(), Stdio.in(),
                new Packer.Options(ignoreSymlinks, mode.create(Invocation.current().errPrint()),
                        w -> err.println("airlock: " + Messages.safe(w))));
        return 0;
    }
}
