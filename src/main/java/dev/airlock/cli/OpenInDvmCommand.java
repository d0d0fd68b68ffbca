package dev.airlock.cli;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.qrexec.QrexecNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code airlock open-in-dvm DOMAIN:PATH}: runs {@code qvm-open-in-dvm PATH} inside DOMAIN, so that the file is
 * opened in a new disposable under the policy that applies to DOMAIN, exactly as if typed there.
 */
@Command(name = "open-in-dvm",
        description = "Open a file of a domain in a new disposable: runs qvm-open-in-dvm PATH inside DOMAIN (the "
                + "policy decides as for a call from DOMAIN, by default a disposable of DOMAIN's default_dispvm) and "
                + "exits with its exit code once the disposable's viewer or editor is done; a changed file comes "
                + "back to DOMAIN. When policy asks, the question is shown on this terminal.",
        mixinStandardHelpOptions = true,
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:opened (and edited, if so)", "125:the call machinery failed", "126:refused by policy",
                "other:qvm-open-in-dvm's own exit code"})
final class OpenInDvmCommand implements Callable<Integer> {
    private static final String SERVICE = "qubes.OpenInVM";
    private static final Pattern FILE = Pattern.compile("([A-Za-z][A-Za-z0-9_.-]*):(.+)", Pattern.DOTALL);

    @Spec
    CommandSpec spec;

    @Option(names = "--view-only", description = "Do not take any changes back into DOMAIN.")
    boolean viewOnly;

    @Parameters(index = "0", paramLabel = "DOMAIN:PATH",
            description = "The file, as DOMAIN:PATH (relative to the domain's home).")
    String file;

    /** The domain to run {@code qvm-open-in-dvm} in, and its command line. */
    record Request(String domain, List<String> argv) {
    }

    @Override
    public Integer call() throws IOException {
        Request r = parse(file, viewOnly);
        var request = AdminClient.request("run").put("domain", r.domain());
        var argv = request.putArray("argv");
        r.argv().forEach(argv::add);
        AdminClient client = new AdminClient(AirlockHome.fromEnvironment());
        try (AskPrompt prompt = AskPrompt.start(client, r.domain(), SERVICE, spec.commandLine().getErr());
             SocketChannel ch = client.openStream(request)) {
            return RelayedCall.runShowingMessages(client, ch, new ByteArrayInputStream(new byte[0]),
                    spec.commandLine().getErr(), "the broker stopped answering before the disposable was done:"
                            + " whether an edit reached " + file + " is unknown");
        }
    }

    static Request parse(String file, boolean viewOnly) {
        Matcher m = FILE.matcher(file);
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + file + "\" is not DOMAIN:PATH");
        }
        String domain = QrexecNames.requireDomainName(m.group(1));
        // A path that starts with '-' would read as an option; "./" keeps it a path, relative to the home as before.
        String path = m.group(2).startsWith("-") ? "./" + m.group(2) : m.group(2);
        return new Request(domain, viewOnly ? List.of("qvm-open-in-dvm", "--view-only", path)
                : List.of("qvm-open-in-dvm", path));
    }
}
