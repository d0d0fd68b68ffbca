package dev.airlock.cli;

import dev.airlock.broker.AirlockHome;
import dev.airlock.broker.Broker;
import dev.airlock.door.Door;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.util.Optional;
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
        AirlockHome home = AirlockHome.fromEnvironment(Invocation.current().env());
        Broker broker = Broker.start(home);
        Optional<Door> door = openDoor(home);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            door.ifPresent(Door::close);
            broker.close();
        }));
        spec.commandLine().getErr().println("airlock: broker running for " + home.root() + " (pid "
                + ProcessHandle.current().pid() + ")");
        broker.awaitStop();
        door.ifPresent(Door::close);
        spec.commandLine().getErr().println("airlock: broker stopped");
        return 0;
    }

    /** The door of the thin clients; without one they run their commands themselves, only slower. */
    private Optional<Door> openDoor(AirlockHome home) {
        try {
            return Optional.of(Door.open(home.run().resolve("door"), new ResidentCommands(ResidentCommands.HOST, Main.class)));
        } catch (IOException e) {
            spec.commandLine().getErr().println("airlock: no door for quick commands: " + Messages.describe(e));
            return Optional.empty();
        }
    }
}
