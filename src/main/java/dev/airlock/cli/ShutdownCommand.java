package dev.airlock.cli;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.concurrent.Callable;

/** {@code airlock shutdown NAME}: stops a domain through the broker. */
@Command(name = "shutdown", description = "Stop a running domain and every process in it.",
        mixinStandardHelpOptions = true)
final class ShutdownCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "The domain to stop.")
    String name;

    @Override
    public Integer call() throws IOException {
        new AdminClient(AirlockHome.fromEnvironment(Invocation.current().env())).call(AdminClient.request("shutdown").put("domain", name));
        return 0;
    }
}
