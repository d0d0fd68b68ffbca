package dev.airlock.cli;

import dev.airlock.agent.Connections;
import dev.airlock.menu.FileManagers;
import dev.airlock.menu.Installation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code airlock-desktop install|uninstall}, inside a domain: the domain's own file-manager actions ("Send to VM",
 * "Move to VM", "Open in DVM", "View in DVM") in its user's folders. The host's {@code airlock desktop install
 * --domain NAME} runs this there.
 */
@Command(name = DomainDesktopCommand.NAME,
        description = "Inside a domain: add the actions Send to VM, Move to VM, Open in DVM and View in DVM to the "
                + "file managers' menus (install), or remove them (uninstall); lists the files.",
        mixinStandardHelpOptions = true)
final class DomainDesktopCommand implements Callable<Integer> {
    /** The command's name, and the in-domain tool of that name. */
    static final String NAME = "airlock-desktop";

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "install|uninstall", description = "What to do.")
    String what;

    @Override
    public Integer call() throws IOException {
        if (!what.equals("install") && !what.equals("uninstall")) {
            throw new ParameterException(spec.commandLine(), "expected install or uninstall, not " + what);
        }
        if (!Connections.insideDomain()) {
            throw new IOException("airlock-desktop works inside a domain (no " + Connections.CHANNEL
                    + "); on the host, run airlock desktop " + what);
        }
        boolean installing = what.equals("install");
        Installation.Dirs dirs = Installation.Dirs.of(Invocation.current().env());
        List<Installation.Change> changes = installing ? Installation.install(new FileManagers.InsideDomain(), dirs)
                : Installation.uninstall(new FileManagers.InsideDomain(), dirs);
        ChangeReport.print(changes, installing, spec.commandLine().getOut());
        return 0;
    }
}
