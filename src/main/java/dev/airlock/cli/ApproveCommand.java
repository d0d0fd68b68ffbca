package dev.airlock.cli;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.concurrent.Callable;

/** {@code airlock approve ID [--target T]}: lets a waiting call go ahead. */
@Command(name = "approve",
        description = "Let a waiting call (see airlock pending) go to one of its offered targets.",
        mixinStandardHelpOptions = true)
final class ApproveCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "The call's number in airlock pending.")
    int id;

    @Option(names = "--target", paramLabel = "DOMAIN",
            description = "The target to send it to; by default the rule's default, or the only one offered.")
    String target;

    @Override
    public Integer call() throws IOException {
        var request = AdminClient.request("approve").put("id", id);
        if (target != null) {
            request.put("target", target);
        }
        new AdminClient(AirlockHome.fromEnvironment(Invocation.current().env())).call(request);
        return 0;
    }
}
