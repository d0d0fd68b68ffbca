package dev.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code airlock pending}: the calls waiting for the user's answer. */
@Command(name = "pending",
        description = "List the calls waiting for your answer (policy says ask): ID, source, requested target, "
                + "service and the targets you may choose. Answer with airlock approve or airlock deny (or in the "
                + "dialog airlock shows on the desktop that airlock up recorded); "
                + "unanswered calls are denied after 60 s (the broker's AIRLOCK_ASK_TIMEOUT, in seconds).",
        mixinStandardHelpOptions = true)
final class PendingCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        JsonNode answer = new AdminClient(AirlockHome.fromEnvironment(Invocation.current().env())).call(AdminClient.request("pending"));
        var out = spec.commandLine().getOut();
        for (JsonNode c : answer.path("calls")) {
            List<String> targets = new ArrayList<>();
            c.path("targets").forEach(t -> targets.add(t.asText()));
            String argument = c.path("argument").asText();
            // The broker checked these names; escaped all the same, as everything that reaches the terminal.
            out.println(Messages.safe(c.path("id").asInt() + "  " + c.path("source").asText() + " -> "
                    + c.path("target").asText() + "  " + c.path("service").asText()
                    + (argument.isEmpty() ? "" : "+" + argument) + "  targets: " + String.join(",", targets)
                    + (c.hasNonNull("default") ? " (default " + c.get("default").asText() + ")" : "")));
        }
        return 0;
    }
}
