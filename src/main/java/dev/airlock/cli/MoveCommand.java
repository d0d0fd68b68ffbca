package dev.airlock.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code airlock move}: {@code airlock copy}, then the sources are deleted once the receiver confirmed. */
@Command(name = "move",
        description = {"Move files: as airlock copy (the same arguments), then the sources are deleted, but only "
                + "those the receiver confirmed in full; when it refuses or anything fails, every source is kept.",
                "SRC:PATH... [DEST] runs qvm-move-to-vm (or qvm-move) inside SRC; FILE... DEST moves files of this "
                        + "computer (./NAME for a name that looks like DOMAIN:PATH) into DEST's "
                        + "~/QubesIncoming/dom0."},
        mixinStandardHelpOptions = true)
final class MoveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "SRC:PATH...|FILE... [DEST]",
            description = "As for airlock copy.")
    List<String> args;

    @Override
    public Integer call() throws IOException {
        return CopyCommand.run(CopyCommand.parse(args), true, spec);
    }
}
