package dev.airlock.cli;

import dev.airlock.filecopy.LocalCopy;
import dev.airlock.filecopy.Packer;
import dev.airlock.filecopy.TransferException;
import dev.airlock.filecopy.Unpacker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code airlock copy-local}: packer and unpacker in one process joined by pipes; a quick way to try the
 * file-copy stream and the path the benchmarks measure.
 */
@Command(name = "copy-local",
        description = "Copy files and folders into DEST through the qubes.Filecopy stream, with the sender and the "
                + "hardened receiver in one process. DEST is created (0700) if missing; nothing in it is "
                + "overwritten.",
        customSynopsis = "airlock copy-local [--ignore-symlinks] [--progress=MODE] PATH... DEST",
        mixinStandardHelpOptions = true)
final class CopyLocalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--ignore-symlinks", description = "Skip symbolic links instead of copying them.")
    boolean ignoreSymlinks;

    @Option(names = "--progress", paramLabel = "MODE",
            description = "bar, bytes (cumulative byte counts, one per line, on standard error), gui (a window with"
                    + " Cancel after about 1 s) or none."
                    + " Default: bar when standard error is a terminal, else none.")
    ProgressMode progress;

    @Parameters(paramLabel = "PATH", arity = "2..*",
            description = "Files and folders to copy, then the destination folder DEST.")
    List<String> paths;

    @Override
    public Integer call() throws TransferException {
        PrintWriter err = spec.commandLine().getErr();
        Path dest = Path.of(paths.getLast());
        List<String> sources = paths.subList(0, paths.size() - 1);
        Packer.Survey survey = Packer.survey(sources, ignoreSymlinks);
        if (!survey.unsafeLinks().isEmpty()) {
            throw new TransferException("nothing was copied: the receiver would refuse these links, which could point"
                    + " outside the copied files: " + String.join(", ", survey.unsafeLinks())
                    + " (use --ignore-symlinks to skip links)");
        }
        if (survey.needsAllowAllNames()) {
            err.println("airlock: some names have characters outside the receiver's safe set; receiving with"
                    + " allow-all-names");
        }
        ProgressMode mode = progress != null ? progress : ProgressMode.byDefault();
        Packer.Result r = LocalCopy.run(sources, survey, dest, new Unpacker.Options(survey.needsAllowAllNames(), 0, 0),
                new Packer.Options(ignoreSymlinks, mode.create(Invocation.current().errPrint()),
                        w -> err.println("airlock: " + Messages.safe(w))));
        if (mode != ProgressMode.none) {
            err.println(Messages.safe("copied " + r.entries() + (r.entries() == 1 ? " entry, " : " entries, ")
                    + ProgressBar.human(r.contentBytes()) + " into " + dest + " (last: " + r.reply().lastNameText()
                    + ")"));
        }
        return 0;
    }
}
