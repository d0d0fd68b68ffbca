package dev.airlock.cli;

import dev.airlock.agent.Agent;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code airlock agent}: the agent inside a domain; the broker starts it, people do not. */
@Command(name = "agent", hidden = true, description = "Run a domain's agent (started by the broker in the sandbox).")
final class AgentCommand implements Callable<Integer> {
    @Override
    public Integer call() throws InterruptedException {
        Agent.inDomain().run();
        return 0;
    }
}
