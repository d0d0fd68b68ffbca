package dev.airlock.cli;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.menu.FileManagers;
import dev.airlock.menu.Installation;
import dev.airlock.qrexec.QrexecNames;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code airlock desktop install|uninstall}: the host's file-manager actions ("Open in disposable", "View in
 * disposable", "Send to domain...") in this user's folders, or, with {@code --domain}, the in-domain actions written
 * by {@code airlock-desktop} running inside the domain: a domain's home is the domain's, and the host never writes
 * into it (links in it could point anywhere on the host).
 */
@Command(name = "desktop",
        description = "Add airlock's actions to the file managers' menus (Nautilus, Nemo, Dolphin, Thunar), or "
                + "remove them.",
        mixinStandardHelpOptions = true,
        subcommands = {DesktopCommand.Install.class, DesktopCommand.Uninstall.class})
final class DesktopCommand {

    /** Which domains, if any, instead of the host. */
    static final class Where {
        @Option(names = "--domain", paramLabel = "NAME", description = "Inside this domain instead (its own "
                + "actions: Send to VM, Move to VM, Open in DVM, View in DVM), run there through the broker; "
                + "repeatable.")
        List<String> domains;

        @Option(names = "--domains", paramLabel = "all", description = "Inside every domain except disposables.")
        String all;
    }

    abstract static class Action implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOption homeOption;

        @ArgGroup(exclusive = true)
        Where where;

        abstract boolean installing();

        @Override
        public Integer call() throws IOException {
            if (where == null) {
                return onHost();
            }
            List<String> names;
            if (where.all != null) {
                if (!where.all.equals("all")) {
                    return PolicyCommand.usageError(spec, "--domains takes only \"all\"");
                }
                names = homeOption.registry().read(d -> d.all()).stream()
                        .filter(d -> d.domainClass() != DomainClass.DISP_VM).map(Domain::name).toList();
            } else {
                names = where.domains.stream().map(QrexecNames::requireDomainName).toList();
            }
            int worst = 0;
            for (String domain : names) {
                int code = inDomain(domain);
                if (code != 0) {
                    spec.commandLine().getErr().println("ERROR: " + domain + ": airlock-desktop exited with "
                            + code);
                    worst = Math.max(worst, code);
                }
            }
            return worst;
        }

        private int onHost() throws IOException {
            Installation.Dirs dirs = Installation.Dirs.of(Invocation.current().env());
            FileManagers.Side side = new FileManagers.Host(Launcher.argv(Invocation.current().env()));
            List<Installation.Change> changes = installing() ? Installation.install(side, dirs)
                    : Installation.uninstall(side, dirs);
            ChangeReport.print(changes, installing(), spec.commandLine().getOut());
            return 0;
        }

        private int inDomain(String domain) throws IOException {
            var request = AdminClient.request("run").put("domain", domain);
            request.putArray("argv").add(DomainDesktopCommand.NAME).add(installing() ? "install" : "uninstall");
            AdminClient client = new AdminClient(new AirlockHome(homeOption.resolved()));
            spec.commandLine().getOut().println(domain + ":");
            spec.commandLine().getOut().flush();
            try (SocketChannel ch = client.openStream(request)) {
                return RelayedCall.runShowingMessages(client, ch, new ByteArrayInputStream(new byte[0]),
                        spec.commandLine().getErr(), "the broker stopped answering before " + domain
                                + " was done");
            }
        }
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = "Write the actions (idempotent: run again, it changes nothing and says so) and list the "
                    + "files written.")
    static final class Install extends Action {
        @Override
        boolean installing() {
            return true;
        }
    }

    @Command(name = "uninstall", mixinStandardHelpOptions = true,
            description = "Remove the actions: only files airlock wrote (they carry its marker), and airlock's "
                    + "entries of Thunar's uca.xml; list them.")
    static final class Uninstall extends Action {
        @Override
        boolean installing() {
            return false;
        }
    }
}
