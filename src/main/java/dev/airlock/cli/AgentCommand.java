package dev.airlock.cli;

import dev.airlock.agent.Agent;
import dev.airlock.contract.InDomain;
import dev.airlock.door.Door;
import dev.airlock.pendrive.client.IncomingPendrives;
import dev.airlock.pendrive.client.PenChannel;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code airlock agent}: the agent inside a domain; the broker starts it, people do not. */
@Command(name = "agent", hidden = true, description = "Run a domain's agent (started by the broker in the sandbox).")
final class AgentCommand implements Callable<Integer> {
    @Override
    public Integer call() throws InterruptedException {
        new IncomingPendrives(PenChannel.SOCKET, Path.of(InDomain.HOME), Invocation.current().env(), System.err).start();
        // The door lives as long as the agent's process: the sandbox's /run goes with it.
        try {
            Door.open(Path.of(InDomain.DOOR), new ResidentCommands(ResidentCommands.DOMAIN, DomainMain.class));
        } catch (IOException e) {
            System.err.println("airlock: no door for quick commands: " + Messages.describe(e));
        }
        Agent.inDomain().run();
        return 0;
    }
}
