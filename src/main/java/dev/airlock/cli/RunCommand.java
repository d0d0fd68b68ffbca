package dev.airlock.cli;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code airlock run DOMAIN [--pass-io] -- CMD...}: runs a command in a domain, like Qubes' {@code qvm-run}. */
@Command(name = "run",
        description = "Run a command in a domain (started first if it is not running), show its output and exit "
                + "with its exit code.",
        mixinStandardHelpOptions = true)
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--pass-io", description = "Pass this command's standard input to the command in the domain.")
    boolean passIo;

    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain to run the command in.")
    String domain;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command and its arguments.")
    List<String> command;

    @Override
    public Integer call() throws IOException {
        var request = AdminClient.request("run").put("domain", domain);
        var argv = request.putArray("argv");
        command.forEach(argv::add);
        InputStream stdin = passIo ? Invocation.current().in() : new ByteArrayInputStream(new byte[0]);
        AdminClient client = new AdminClient(AirlockHome.fromEnvironment(Invocation.current().env()));
        try (SocketChannel ch = client.openStream(request)) {
            String whenLost = "the broker stopped answering before the command ended; it may still be running in "
                    + domain;
            Invocation.current().ifLost().accept(Messages.safe(whenLost));
            return RelayedCall.run(client, ch, stdin, spec.commandLine().getErr(), whenLost);
        }
    }
}
