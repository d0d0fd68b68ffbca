package dev.airlock.cli;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.qrexec.QrexecNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code airlock copy SRC:PATH... [DEST]}: runs {@code qvm-copy-to-vm DEST PATH...} (or {@code qvm-copy PATH...})
 * inside SRC, so that policy decides as if the user had typed it there, and answers the policy's question on this
 * terminal, the host's trusted path.
 */
@Command(name = "copy",
        description = "Copy files from a domain to another: runs qvm-copy-to-vm DEST PATH... inside SRC (qvm-copy "
                + "when DEST is omitted or @default, so that you choose it here) and exits with its exit code. "
                + "When policy asks, the question is shown on this terminal; without one, answer with airlock "
                + "pending and airlock approve|deny from another terminal.",
        mixinStandardHelpOptions = true)
final class CopyCommand implements Callable<Integer> {
    private static final Pattern SOURCE = Pattern.compile("([A-Za-z][A-Za-z0-9_.-]*):(.+)", Pattern.DOTALL);

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "SRC:PATH... [DEST]",
            description = "Files and folders in the source domain, as DOMAIN:PATH (relative to its home), then "
                    + "the destination domain (default: @default, chosen in the prompt).")
    List<String> args;

    /** The domain and paths to send from, and where to. */
    record Request(String source, List<String> paths, String target) {
    }

    @Override
    public Integer call() throws IOException {
        Request r = parse(args);
        var request = AdminClient.request("run").put("domain", r.source());
        var argv = request.putArray("argv");
        if (r.target().equals(FileCopySender.DEFAULT_TARGET)) {
            argv.add("qvm-copy").add("--");
        } else {
            // After "--" a path starting with "-" is a path, not an option.
            argv.add("qvm-copy-to-vm").add("--").add(r.target());
        }
        r.paths().forEach(argv::add);
        AirlockHome home = AirlockHome.fromEnvironment();
        AdminClient client = new AdminClient(home);
        var err = spec.commandLine().getErr();
        int code;
        try (AskPrompt prompt = AskPrompt.start(client, r.source(), err);
             SocketChannel ch = client.openStream(request)) {
            code = RelayedCall.runShowingMessages(client, ch, new ByteArrayInputStream(new byte[0]), err,
                    "the broker stopped answering, so how the copy ended is unknown: the receiver keeps only the"
                            + " files it had completed");
        }
        if (code == 0) {
            err.println("airlock: copied into ~/QubesIncoming/" + r.source() + " of "
                    + (r.target().equals(FileCopySender.DEFAULT_TARGET) ? "the chosen domain" : r.target()));
        }
        return code;
    }

    static Request parse(List<String> args) {
        String target = FileCopySender.DEFAULT_TARGET;
        List<String> sources = args;
        if (!SOURCE.matcher(args.getLast()).matches()) {
            target = QrexecNames.requireTarget(args.getLast());
            sources = args.subList(0, args.size() - 1);
        }
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("nothing to copy: give files as DOMAIN:PATH");
        }
        String domain = null;
        List<String> paths = new ArrayList<>();
        for (String s : sources) {
            Matcher m = SOURCE.matcher(s);
            if (!m.matches()) {
                throw new IllegalArgumentException("\"" + s + "\" is not DOMAIN:PATH");
            }
            if (domain != null && !domain.equals(m.group(1))) {
                throw new IllegalArgumentException("all files must come from one domain, not " + domain + " and "
                        + m.group(1));
            }
            domain = m.group(1);
            paths.add(m.group(2));
        }
        QrexecNames.requireDomainName(domain);
        return new Request(domain, List.copyOf(paths), target);
    }
}
