package dev.airlock.cli;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.concurrent.Callable;

/** {@code airlock deny ID}: refuses a waiting call. */
@Command(name = "deny", description = "Refuse a waiting call (see airlock pending); its caller gets exit code 126.",
        mixinStandardHelpOptions = true)
final class DenyCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "The call's number in airlock pending.")
    int id;

    @Override
    public Integer call() throws IOException {
        new AdminClient(AirlockHome.fromEnvironment(Invocation.current().env())).call(AdminClient.request("deny").put("id", id));
        return 0;
    }
}
