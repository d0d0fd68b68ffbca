package dev.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code airlock clipboard copy|paste|show|clear}: Qubes' global clipboard (Ctrl+Shift+C, Ctrl+Shift+V) as host
 * commands, to type or to bind to keys. The clipboard's contents never reach this command: it shows the source
 * domain and the size only.
 */
@Command(name = "clipboard",
        description = "Copy text between domains through the host's clipboard, only when you say so: copy from one "
                + "domain, then paste into another (the policy service qubes.ClipboardPaste decides, with the "
                + "domain the text came from as the source). A paste empties the host's clipboard.",
        mixinStandardHelpOptions = true,
        subcommands = {ClipboardCommand.Copy.class, ClipboardCommand.Paste.class, ClipboardCommand.Show.class,
                ClipboardCommand.Clear.class})
final class ClipboardCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.EXIT_USAGE;
    }

    /** {@code airlock clipboard copy DOMAIN}. */
    @Command(name = "copy", mixinStandardHelpOptions = true,
            description = "Copy DOMAIN's clipboard (what Ctrl+C took in one of its windows) into the host's "
                    + "clipboard, replacing what it held. Text only, at most 256 KiB; DOMAIN must be running with a "
                    + "display.")
    static final class Copy implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain to copy the clipboard from.")
        String domain;

        @Override
        public Integer call() throws IOException {
            JsonNode a = request("clipboard-copy", domain);
            say(spec, "Copied " + a.path("bytes").asInt() + " bytes of " + a.path("kind").asText() + " from "
                    + a.path("source").asText() + " into the host's clipboard; paste with: airlock clipboard paste "
                    + "DOMAIN");
            return 0;
        }
    }

    /** {@code airlock clipboard paste DOMAIN}. */
    @Command(name = "paste", mixinStandardHelpOptions = true,
            description = "Paste the host's clipboard into DOMAIN's clipboard (then Ctrl+V in one of its windows), "
                    + "if the policy allows qubes.ClipboardPaste from the domain it came from to DOMAIN; the host's "
                    + "clipboard is empty afterwards.")
    static final class Paste implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain to paste into.")
        String domain;

        @Override
        public Integer call() throws IOException {
            JsonNode a = request("clipboard-paste", domain);
            say(spec, "Pasted " + a.path("bytes").asInt() + " bytes of " + a.path("kind").asText() + " from "
                    + a.path("source").asText() + " into " + a.path("target").asText()
                    + "'s clipboard; the host's clipboard is now empty");
            return 0;
        }
    }

    /** {@code airlock clipboard show}. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show where the host's clipboard came from and its size (never its contents).")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            JsonNode a = request("clipboard-show", null);
            say(spec, a.hasNonNull("source") ? a.path("bytes").asInt() + " bytes of " + a.path("kind").asText()
                    + " from " + a.path("source").asText() : "The host's clipboard is empty.");
            return 0;
        }
    }

    /** {@code airlock clipboard clear}. */
    @Command(name = "clear", mixinStandardHelpOptions = true, description = "Empty the host's clipboard.")
    static final class Clear implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            JsonNode a = request("clipboard-clear", null);
            say(spec, a.hasNonNull("source") ? "Cleared " + a.path("bytes").asInt() + " bytes from "
                    + a.path("source").asText() + "." : "The host's clipboard was already empty.");
            return 0;
        }
    }

    private static JsonNode request(String op, String domain) throws IOException {
        var r = AdminClient.request(op);
        if (domain != null) {
            r.put("domain", domain);
        }
        return new AdminClient(AirlockHome.fromEnvironment(Invocation.current().env())).call(r);
    }

    /** One line to the user; the broker checked the names in it, escaped all the same. */
    private static void say(CommandSpec spec, String line) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(Messages.safe(line));
    }
}
