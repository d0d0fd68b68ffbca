package dev.airlock.cli;

import dev.airlock.pendrive.client.Penctl;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code qubes_penctl REQUEST...}: a request to the host's pendrive daemon, from inside a domain. */
@Command(name = "qubes_penctl",
        description = {"Ask the host's pendrive daemon for a virtual pendrive, send it, release one or end this "
                + "disposable, and wait for its answer. REQUEST is one of:",
                "  new                   a new, empty outgoing pendrive (xvdg)",
                "  send DEST             send the outgoing pendrive to DEST (policy or user decide)",
                "  send disposable SEQ   send it to a new disposable, transaction SEQ",
                "  umount                release the incoming pendrive (xvdh); it is deleted",
                "  killme                a disposable asks to be destroyed",
                "Exit code: 0 served, 1 refused (the reason is printed), 2 not a request."},
        mixinStandardHelpOptions = true)
final class QubesPenctlCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..3", paramLabel = "REQUEST", description = "The request and its arguments.")
    List<String> request;

    @Override
    public Integer call() throws IOException {
        var err = spec.commandLine().getErr();
        String value = String.join(" ", request);
        Penctl.Result r;
        try {
            r = Penctl.request(PendriveSocket.path(), value);
        } catch (IllegalArgumentException e) {
            err.println("ERROR: not a pendrive request: " + Messages.safe(e.getMessage()));
            return 2;
        }
        if (!r.served()) {
            err.println("ERROR: " + Messages.safe(r.text()));
            return 1;
        }
        spec.commandLine().getOut().println(Messages.safe(r.text()));
        return 0;
    }
}
