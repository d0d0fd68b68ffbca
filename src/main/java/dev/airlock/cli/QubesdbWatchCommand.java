package dev.airlock.cli;

import dev.airlock.pendrive.client.PenChannel;
import dev.airlock.pendrive.wire.ChannelResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code qubesdb-watch PATH}: prints the path of each change at or below PATH in this domain's keys. */
@Command(name = "qubesdb-watch",
        description = "Watch PATH in this domain's keys and print the path of each change at or below it, one a "
                + "line (\"*\" when changes were dropped: read the keys again).",
        mixinStandardHelpOptions = true)
final class QubesdbWatchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-n", "--count"}, paramLabel = "N", description = "Stop after N changes.")
    long count = Long.MAX_VALUE;

    @Parameters(index = "0", paramLabel = "PATH", description = "The key or folder to watch.")
    String path;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        try (PenChannel ch = PenChannel.open(PendriveSocket.path())) {
            ch.watch(path);
            for (long seen = 0; seen < count; seen++) {
                Optional<ChannelResponse.Event> e = ch.next();
                if (e.isEmpty()) {
                    break;
                }
                out.println(switch (e.get()) {
                    case ChannelResponse.Written w -> w.path();
                    case ChannelResponse.Removed r -> r.path();
                    case ChannelResponse.Overflow o -> "*";
                });
                out.flush();
            }
        }
        return 0;
    }
}
