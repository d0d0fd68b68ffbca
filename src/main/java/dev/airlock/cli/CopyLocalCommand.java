package dev.airlock.cli;

import dev.airlock.filecopy.Packer;
import dev.airlock.filecopy.Reply;
import dev.airlock.filecopy.TransferException;
import dev.airlock.filecopy.Unpacker;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.FdChannel;
import dev.airlock.sys.Posix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.Pipe;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

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
    /**
     * The data pipe's buffer: the packer's whole buffer (StreamWriter) in one write, instead of sixteen 64 KiB
     * rounds of write, wake-up and read through the default pipe.
     */
    private static final int PIPE_BUFFER = 1 << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--ignore-symlinks", description = "Skip symbolic links instead of copying them.")
    boolean ignoreSymlinks;

    @Option(names = "--progress", paramLabel = "MODE",
            description = "bar, bytes (cumulative byte counts, one per line, on standard error) or none."
                    + " Default: bar when standard error is a terminal, else none.")
    ProgressMode progress;

    @Parameters(paramLabel = "PATH", arity = "2..*",
            description = "Files and folders to copy, then the destination folder DEST.")
    List<String> paths;

    @Override
    public Integer call() throws IOException, InterruptedException {
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
        int[] data = Posix.pipe();
        try {
            Posix.setPipeSize(data[1], PIPE_BUFFER);
        } catch (ErrnoException e) {
            // The default (64 KiB) only costs speed.
        }
        FdChannel dataIn = new FdChannel(data[0]);
        FdChannel dataOut = new FdChannel(data[1]);
        Pipe replies = Pipe.open();
        AtomicReference<Throwable> receiverFailure = new AtomicReference<>();
        Thread receiver = Thread.ofPlatform().name("airlock-copy-local-receiver").start(() -> {
            try (var in = dataIn; var out = replies.sink()) {
                Unpacker.receive(dest, in, out, new Unpacker.Options(survey.needsAllowAllNames(), 0, 0));
            } catch (Throwable t) {
                receiverFailure.set(t);
            }
        });
        ProgressMode mode = progress != null ? progress : ProgressMode.byDefault();
        try (var replyIn = replies.source()) {
            Packer.Result r = Packer.send(sources, survey, dataOut, replyIn,
                    new Packer.Options(ignoreSymlinks, mode.create(System.err), w -> err.println("airlock: " + w)));
            receiver.join();
            Reply reply = r.reply();
            if (mode != ProgressMode.none) {
                err.println("copied " + r.entries() + " entries, " + ProgressBar.human(r.contentBytes()) + " into "
                        + dest + " (last: " + Messages.safe(reply.lastNameText()) + ")");
            }
            return 0;
        } catch (TransferException e) {
            receiver.join();
            if (receiverFailure.get() != null) {
                throw new TransferException(Messages.describe(receiverFailure.get()), receiverFailure.get());
            }
            throw e;
        }
    }
}
