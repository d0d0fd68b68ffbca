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
 * terminal, the host's trusted path. {@code airlock copy FILE... DEST}: files of this computer into DEST's
 * {@code ~/QubesIncoming/dom0} ({@link HostFileSender}). {@code airlock move} is the same with the move commands.
 */
@Command(name = "copy",
        description = {"Copy files from a domain to another, into the host, or from the host to a domain.",
                "SRC:PATH... [DEST]: runs qvm-copy-to-vm DEST PATH... inside SRC (qvm-copy when DEST is omitted or "
                        + "@default, so that you choose it here) and exits with its exit code. When policy asks, "
                        + "the question is shown on this terminal; without one, answer with airlock pending and "
                        + "airlock approve|deny from another terminal. DEST dom0 copies into this computer, into "
                        + "~/QubesIncoming/SRC of the desktop user (limits: 4 GiB, 4096 files, 90%% of the free "
                        + "space, regular files and folders only, unless the broker's host settings say otherwise).",
                "FILE... DEST: files of this computer (any argument that is not DOMAIN:PATH; write ./NAME for a "
                        + "file whose name looks like DOMAIN:PATH, such as ./a:b) into DEST's "
                        + "~/QubesIncoming/dom0, as dom0's qvm-copy-to-vm does: this command reads them with your "
                        + "own rights, sends links as links (never follows them), and the call comes from dom0 "
                        + "(not put to the policy, as in Qubes; audited)."},
        mixinStandardHelpOptions = true)
final class CopyCommand implements Callable<Integer> {
    private static final Pattern SOURCE = Pattern.compile("([A-Za-z][A-Za-z0-9_.-]*):(.+)", Pattern.DOTALL);

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "SRC:PATH...|FILE... [DEST]",
            description = "Files and folders in the source domain, as DOMAIN:PATH (relative to its home), or of "
                    + "this computer, then the destination domain (default for DOMAIN:PATH: @default, chosen in "
                    + "the prompt; required for files of this computer).")
    List<String> args;

    /** The domain and paths to send from ({@code dom0} for files of this computer), and where to. */
    record Request(String source, List<String> paths, String target) {
        boolean fromHost() {
            return source.equals(QrexecNames.HOST);
        }
    }

    @Override
    public Integer call() throws IOException {
        return run(parse(args), false, spec);
    }

    /** Carries out {@code r}, a copy or, with {@code move}, a move whose sources go once the receiver confirmed. */
    static int run(Request r, boolean move, CommandSpec spec) throws IOException {
        var err = spec.commandLine().getErr();
        if (r.fromHost()) {
            int code = HostFileSender.send(r.target(), r.paths(), move, err);
            if (code == 0) {
                err.println("airlock: " + (move ? "moved" : "copied") + " into ~/QubesIncoming/dom0 of "
                        + r.target());
            }
            return code;
        }
        var request = AdminClient.request("run").put("domain", r.source());
        var argv = request.putArray("argv");
        String verb = move ? "qvm-move" : "qvm-copy";
        if (r.target().equals(FileCopySender.DEFAULT_TARGET)) {
            argv.add(verb).add("--");
        } else {
            // After "--" a path starting with "-" is a path, not an option.
            argv.add(verb + "-to-vm").add("--").add(r.target());
        }
        r.paths().forEach(argv::add);
        AirlockHome home = AirlockHome.fromEnvironment(Invocation.current().env());
        AdminClient client = new AdminClient(home);
        int code;
        try (AskPrompt prompt = AskPrompt.start(client, r.source(), err);
             SocketChannel ch = client.openStream(request)) {
            code = RelayedCall.runShowingMessages(client, ch, new ByteArrayInputStream(new byte[0]), err,
                    "the broker stopped answering, so how the copy ended is unknown: the receiver keeps only the"
                            + " files it had completed" + (move ? "; the sources are kept" : ""));
        }
        if (code == 0) {
            err.println("airlock: " + (move ? "moved" : "copied") + " into ~/QubesIncoming/" + r.source() + " of "
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
            throw new IllegalArgumentException("nothing to copy: give files as DOMAIN:PATH, or files of this "
                    + "computer, then the destination domain");
        }
        if (sources.stream().noneMatch(s -> SOURCE.matcher(s).matches())) {
            return hostFiles(sources, target);
        }
        String domain = null;
        List<String> paths = new ArrayList<>();
        for (String s : sources) {
            Matcher m = SOURCE.matcher(s);
            if (!m.matches()) {
                throw new IllegalArgumentException("\"" + s + "\" is not DOMAIN:PATH: give files of one domain as "
                        + "DOMAIN:PATH, or files of this computer, not both");
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

    private static Request hostFiles(List<String> files, String target) {
        if (target.equals(FileCopySender.DEFAULT_TARGET)) {
            throw new IllegalArgumentException("name the domain to copy files of this computer to (files of a "
                    + "domain are DOMAIN:PATH)");
        }
        if (target.equals(QrexecNames.HOST) || target.equals("@adminvm")) {
            throw new IllegalArgumentException("the files are on this computer already");
        }
        if (!QrexecNames.isDomainName(target)) {
            throw new IllegalArgumentException("files of this computer go to a domain by its name, not " + target);
        }
        return new Request(QrexecNames.HOST, List.copyOf(files), target);
    }
}
