package dev.airlock.cli;

import dev.airlock.agent.Caller;
import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.qrexec.MessageReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
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
        InputStream stdin = passIo ? new FileInputStream(FileDescriptor.in) : new ByteArrayInputStream(new byte[0]);
        try (SocketChannel ch = new AdminClient(AirlockHome.fromEnvironment()).openStream(request)) {
            return Caller.exchange(ch, new MessageReader(ch), stdin, new FileOutputStream(FileDescriptor.out),
                    new FileOutputStream(FileDescriptor.err));
        }
    }
}
