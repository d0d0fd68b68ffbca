package dev.airlock.cli;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.concurrent.Callable;

/** {@code airlock start NAME}: starts a domain through the broker. */
@Command(name = "start", description = "Start a domain (its sandbox and agent) and wait until it is ready.",
        mixinStandardHelpOptions = true)
final class StartCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "The domain to start.")
    String name;

    @Override
    public Integer call() throws IOException {
        new AdminClient(AirlockHome.fromEnvironment(Invocation.current().env())).call(AdminClient.request("start").put("domain", name));
        return 0;
    }
}
