package dev.airlock.cli;

import dev.airlock.pendrive.client.PenChannel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code qubesdb-write PATH VALUE...}: writes this domain's keys. */
@Command(name = "qubesdb-write",
        description = "Write each PATH with its VALUE in this domain's own keys (a relative PATH is below its "
                + "subtree). Keys the host wrote there are read-only.",
        mixinStandardHelpOptions = true)
final class QubesdbWriteCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "2..*", paramLabel = "PATH VALUE", description = "Pairs of key and value.")
    List<String> pairs;

    @Override
    public Integer call() throws IOException {
        if (pairs.size() % 2 != 0) {
            throw new ParameterException(spec.commandLine(), "PATH and VALUE come in pairs");
        }
        try (PenChannel ch = PenChannel.open(PendriveSocket.path())) {
            for (int i = 0; i < pairs.size(); i += 2) {
                ch.write(pairs.get(i), pairs.get(i + 1));
            }
        }
        return 0;
    }
}
