package dev.airlock.cli;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.util.concurrent.Callable;

/** {@code airlock down}: stops the broker. */
@Command(name = "down", description = "Stop the broker and the domains it runs. Does nothing if it is not running.",
        mixinStandardHelpOptions = true)
final class DownCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        AdminClient client = new AdminClient(AirlockHome.fromEnvironment(Invocation.current().env()));
        var err = spec.commandLine().getErr();
        if (!client.isRunning()) {
            err.println("airlock: the broker is not running");
            return 0;
        }
        client.call(AdminClient.request("stop"));
        for (int i = 0; i < 200 && client.isRunning(); i++) {
            Thread.sleep(50);
        }
        if (client.isRunning()) {
            throw new IOException("the broker did not stop within 10 s");
        }
        err.println("airlock: broker stopped");
        return 0;
    }
}
