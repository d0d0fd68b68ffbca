package dev.airlock.cli;

import dev.airlock.broker.AirlockHome;
import dev.airlock.broker.Broker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** {@code airlock daemon}: the broker in the foreground (for systemd, or to watch it work). */
@Command(name = "daemon",
        description = "Run the broker in the foreground until it is stopped (airlock down, SIGTERM or Ctrl-C), "
                + "which stops the domains too. A broker that is killed (SIGKILL) or crashes leaves them running: "
                + "the next one adopts them, except its disposables, which it destroys. Use this from a service manager; airlock up starts the same broker "
                + "in the background.",
        mixinStandardHelpOptions = true)
final class DaemonCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        AirlockHome home = AirlockHome.fromEnvironment();
        Broker broker = Broker.start(home);
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close));
        spec.commandLine().getErr().println("airlock: broker running for " + home.root() + " (pid "
                + ProcessHandle.current().pid() + ")");
        broker.awaitStop();
        spec.commandLine().getErr().println("airlock: broker stopped");
        return 0;
    }
}
