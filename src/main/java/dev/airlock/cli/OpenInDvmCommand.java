package dev.airlock.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.agent.Caller;
import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.broker.Broker;
import dev.airlock.openinvm.OpenClient;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.QrexecNames;
import dev.airlock.qrexec.Wire;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code airlock open-in-dvm DOMAIN:PATH}: runs {@code qvm-open-in-dvm PATH} inside DOMAIN, so that the file is
 * opened in a new disposable under the policy that applies to DOMAIN, exactly as if typed there.
 * {@code airlock open-in-dvm ./FILE}: the host's own file, sent by this process (with the user's own rights, never
 * the broker's) to a new disposable over the admin connection, with the same {@code qubes.OpenInVM} codec and rules
 * as a domain's {@code qvm-open-in-dvm} ({@link OpenClient}).
 */
@Command(name = "open-in-dvm",
        description = {"Open a file in a new disposable, which is destroyed when its viewer or editor exits; an "
                + "edited file comes back (unless --view-only).",
                "DOMAIN:PATH, a file of a domain: runs qvm-open-in-dvm PATH inside DOMAIN (the policy decides as "
                        + "for a call from DOMAIN, by default a disposable of DOMAIN's default_dispvm) and exits "
                        + "with its exit code; the edit goes back to DOMAIN. When policy asks, the question is shown "
                        + "on this terminal.",
                "Any other FILE is a file of this computer (write ./NAME for one whose name looks like "
                        + "DOMAIN:PATH): this command reads it with your own rights and sends it to a new "
                        + "disposable of the global default_dispvm (or --dispvm), as dom0 does in Qubes (the "
                        + "host's own calls are not put to the policy; the audit log shows them from dom0). A "
                        + "symlink is followed to its file, which must be a regular file; an edit replaces that "
                        + "file atomically, keeping its mode (and owner, when run as root), unless it changed "
                        + "meanwhile: then both are kept and the edit is saved beside it as NAME.edited.EXT.",
                "Limits, as for domains: a reply (the edit) up to 1 GiB, or $" + OpenInVmSender.MAX_BYTES_ENV
                        + "; the disposable refuses a file above its own max-bytes (1 GiB by default)."},
        mixinStandardHelpOptions = true,
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:opened (and the edit taken back, or kept beside the file, as said)",
                "1:not opened, or the viewer failed: the file is unchanged (the error says why)",
                "125:the call machinery failed (no broker, no disposable could be made)",
                "126:refused by policy (DOMAIN:PATH)",
                "other:qvm-open-in-dvm's own exit code (DOMAIN:PATH)"})
final class OpenInDvmCommand implements Callable<Integer> {
    private static final String SERVICE = "qubes.OpenInVM";
    private static final Pattern FILE = Pattern.compile("([A-Za-z][A-Za-z0-9_.-]*):(.+)", Pattern.DOTALL);

    @Spec
    CommandSpec spec;

    @Option(names = "--view-only", description = "Do not take any changes back (the file is read-only in the "
            + "disposable, and whatever comes back is ignored).")
    boolean viewOnly;

    @Option(names = "--dispvm", paramLabel = "NAME", description = "For a file of this computer: the disposable "
            + "template to use instead of the global default_dispvm.")
    String dispvm;

    @Parameters(index = "0", paramLabel = "FILE",
            description = "DOMAIN:PATH (relative to the domain's home), or a file of this computer.")
    String file;

    /** The domain to run {@code qvm-open-in-dvm} in, and its command line. */
    record Request(String domain, List<String> argv) {
    }

    @Override
    public Integer call() throws IOException {
        if (!isDomainFile(file)) {
            return hostFile();
        }
        if (dispvm != null) {
            return PolicyCommand.usageError(spec, "--dispvm is for files of this computer; for DOMAIN:PATH the "
                    + "policy picks the disposable (DOMAIN's default_dispvm)");
        }
        Request r = parse(file, viewOnly);
        var request = AdminClient.request("run").put("domain", r.domain());
        var argv = request.putArray("argv");
        r.argv().forEach(argv::add);
        AdminClient client = new AdminClient(AirlockHome.fromEnvironment(Invocation.current().env()));
        try (AskPrompt prompt = AskPrompt.start(client, r.domain(), SERVICE, spec.commandLine().getErr());
             SocketChannel ch = client.openStream(request)) {
            return RelayedCall.runShowingMessages(client, ch, new ByteArrayInputStream(new byte[0]),
                    spec.commandLine().getErr(), "the broker stopped answering before the disposable was done:"
                            + " whether an edit reached " + file + " is unknown");
        }
    }

    /** Whether {@code file} names a domain's file ({@code DOMAIN:PATH}) rather than one of this computer. */
    static boolean isDomainFile(String file) {
        return FILE.matcher(file).matches();
    }

    /**
     * The admin request for a host file: the disposable template and nothing else. The path and the file stay in
     * this process; the broker, which may run as root, is never asked to open anything.
     */
    static ObjectNode hostRequest(String dispvm) {
        ObjectNode request = AdminClient.request(Broker.OPEN_IN_DISPOSABLE);
        if (dispvm != null) {
            request.put("dispvm", QrexecNames.requireDomainName(dispvm));
        }
        return request;
    }

    private int hostFile() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        ObjectNode request = hostRequest(dispvm);
        AdminClient client = new AdminClient(AirlockHome.fromEnvironment(Invocation.current().env()));
        long limit = OpenInVmSender.defaultLimit();
        OpenClient.Transport transport = (content, reply) -> {
            SocketChannel ch;
            try {
                ch = client.openStream(request);
            } catch (IOException e) {
                throw new OpenClient.OpenFailedException(e.getMessage() + "; " + file + " is unchanged",
                        Wire.EXIT_MACHINERY, e);
            }
            err.println(Messages.safe("airlock: " + file + " is open in a new disposable"
                    + (dispvm == null ? "" : " of " + dispvm) + (viewOnly ? ", view only" : "")
                    + "; it is destroyed when the viewer exits"));
            err.flush();
            try (ch) {
                return Caller.exchange(ch, new MessageReader(ch), content, reply,
                        new TerminalSafeOutput(Invocation.current().err()));
            }
        };
        OpenClient.Outcome o;
        try {
            o = OpenClient.open(Path.of(file), viewOnly, limit, transport);
        } catch (OpenClient.OpenFailedException e) {
            err.println("ERROR: " + Messages.describe(e));
            return e.exitCode();
        }
        switch (o) {
            case OpenClient.Outcome.Replaced r -> err.println(Messages.safe("airlock: " + file
                    + " replaced by the edited version (" + r.bytes() + " bytes)"));
            case OpenClient.Outcome.Unchanged u -> err.println(Messages.safe("airlock: " + file + " is unchanged"));
            default -> OpenInVmSender.report(o, file, err);
        }
        return 0;
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
