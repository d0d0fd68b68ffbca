package dev.airlock.cli;

import dev.airlock.pendrive.client.PenChannel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code qubesdb-read PATH...}: prints this domain's keys, one value a line. */
@Command(name = "qubesdb-read",
        description = "Print the value of each PATH in this domain's keys (a relative PATH is below the domain's "
                + "own subtree). Exit code 1 when a key has no value and no --default is given.",
        mixinStandardHelpOptions = true)
final class QubesdbReadCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-d", "--default"}, paramLabel = "VALUE", description = "Print VALUE for a missing key.")
    String fallback;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Keys to read.")
    List<String> paths;

    @Override
    public Integer call() throws IOException {
        int exit = 0;
        try (PenChannel ch = PenChannel.open(PendriveSocket.path())) {
            for (String p : paths) {
                Optional<String> v = ch.read(p);
                if (v.isPresent() || fallback != null) {
                    spec.commandLine().getOut().println(v.orElse(fallback));
                } else {
                    spec.commandLine().getErr().println("ERROR: no value at " + p);
                    exit = 1;
                }
            }
        }
        return exit;
    }
}
