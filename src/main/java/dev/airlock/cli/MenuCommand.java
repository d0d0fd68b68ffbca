package dev.airlock.cli;

import dev.airlock.domain.Domain;
import dev.airlock.domain.Registry;
import dev.airlock.menu.AppEntry;
import dev.airlock.menu.Applications;
import dev.airlock.menu.Installation;
import dev.airlock.menu.Menu;
import dev.airlock.menu.MenuEntry;
import dev.airlock.qrexec.QrexecNames;
import dev.airlock.sys.Posix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code airlock menu add|remove|ls|sync}: entries of a domain's applications in the host's application menu, like
 * Qubes' ({@code [work] Firefox}, the icon in the domain's colour, starting {@code airlock run work -- firefox}).
 */
@Command(name = "menu",
        description = "Put a domain's applications into this user's application menu, as [DOMAIN] NAME entries with "
                + "an icon in the domain's label colour, each starting the application inside the domain.",
        mixinStandardHelpOptions = true,
        subcommands = {MenuCommand.Add.class, MenuCommand.Remove.class, MenuCommand.Ls.class, MenuCommand.Sync.class})
final class MenuCommand {
    private MenuCommand() {
    }

    /** What the subcommands share: the registry, the domain's applications, writing entries. */
    abstract static class Base {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOption homeOption;

        Installation.Dirs dirs() {
            return Installation.Dirs.of(Invocation.current().env());
        }

        Domain domain(String name) throws IOException {
            QrexecNames.requireDomainName(name);
            return homeOption.registry().read(d -> d.get(name))
                    .orElseThrow(() -> new IOException("no domain named " + name + " (airlock ls lists them)"));
        }

        /** The domain's applications: the system folders it sees, and its own home's (read without links). */
        Applications.Found applications(String domain) throws IOException {
            Path home = Registry.open(homeOption.resolved()).domainFolder(domain).resolve("home");
            Applications.Found found = Applications.of(Applications.SYSTEM,
                    Files.isDirectory(home) ? Optional.of(home) : Optional.empty());
            for (String r : found.refused()) {
                spec.commandLine().getErr().println(Messages.safe("note: left out " + r));
            }
            return found;
        }

        void add(Domain d, AppEntry app) throws IOException {
            List<Installation.Change> changes = Menu.add(dirs(), d.name(), d.label(), app,
                    Launcher.argv(Invocation.current().env()), Menu.ICON_FOLDERS, Menu.PIXMAPS);
            ChangeReport.print(changes, true, spec.commandLine().getOut());
        }

        /** Lets the desktop see the change at once where it caches the menu; nothing fails without the tool. */
        void refreshMenu() {
            try {
                Process p = new ProcessBuilder("update-desktop-database", "-q", dirs().applications().toString())
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (IOException e) {
                // Not installed: desktops that need it have it.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add an application of DOMAIN to the menu: ~/.local/share/applications/"
                    + "airlock-DOMAIN-APP.desktop, named [DOMAIN] NAME.")
    static final class Add extends Base implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain.")
        String domain;

        @Parameters(index = "1", paramLabel = "APP", description = "The application: its desktop-file id "
                + "(firefox-esr) or its command (firefox); airlock menu sync DOMAIN lists them.")
        String app;

        @Override
        public Integer call() throws IOException {
            Domain d = domain(domain);
            AppEntry entry = applications(domain).find(app).orElseThrow(() -> new IOException(
                    domain + " has no application " + app + " (airlock menu sync " + domain + " lists them)"));
            add(d, entry);
            refreshMenu();
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove an application of DOMAIN from the menu (only an entry airlock wrote).")
    static final class Remove extends Base implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain.")
        String domain;

        @Parameters(index = "1", paramLabel = "APP", description = "The application's id, as airlock menu ls "
                + "shows it.")
        String app;

        @Override
        public Integer call() throws IOException {
            QrexecNames.requireDomainName(domain);
            if (!AppEntry.validId(app)) {
                throw new IOException("\"" + app + "\" is no application id (airlock menu ls shows them)");
            }
            List<Installation.Change> changes = Menu.remove(dirs(), domain, app);
            if (changes.isEmpty()) {
                throw new IOException("the menu has no entry " + app + " of " + domain + " (airlock menu ls)");
            }
            ChangeReport.print(changes, false, spec.commandLine().getOut());
            refreshMenu();
            return 0;
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List airlock's menu entries.")
    static final class Ls extends Base implements Callable<Integer> {
        @Parameters(index = "0", arity = "0..1", paramLabel = "DOMAIN", description = "Only this domain's.")
        String domain;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            for (MenuEntry.Listed e : Menu.list(dirs())) {
                if (domain == null || domain.equals(e.domain())) {
                    out.println(Messages.safe(e.domain() + "  " + e.app() + "  " + e.name()));
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "sync", mixinStandardHelpOptions = true,
            description = {"List DOMAIN's applications (* marks those in the menu) and add those you choose: with "
                    + "--add, or, on a terminal, by answering the question.",
                    "The applications are the .desktop files the domain sees: the system's, and its home's "
                            + "~/.local/share/applications (read without following links; a file that does not "
                            + "parse is left out and said so)."})
    static final class Sync extends Base implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain.")
        String domain;

        @Option(names = "--add", paramLabel = "APP", description = "Add this application (id or command); "
                + "repeatable.")
        List<String> add;

        @Override
        public Integer call() throws IOException {
            Domain d = domain(domain);
            Applications.Found found = applications(domain);
            Set<String> inMenu = Menu.list(dirs()).stream().filter(e -> e.domain().equals(domain))
                    .map(MenuEntry.Listed::app).collect(Collectors.toSet());
            PrintWriter out = spec.commandLine().getOut();
            for (AppEntry a : found.listed()) {
                out.println(Messages.safe((inMenu.contains(a.id()) ? "* " : "  ") + a.id() + "  " + a.name()));
            }
            out.flush();
            List<String> chosen = add != null ? add : ask(out);
            List<String> unknown = new ArrayList<>();
            for (String app : chosen) {
                Optional<AppEntry> entry = found.find(app);
                if (entry.isPresent()) {
                    add(d, entry.get());
                } else {
                    unknown.add(app);
                }
            }
            if (!chosen.isEmpty()) {
                refreshMenu();
            }
            if (!unknown.isEmpty()) {
                throw new IOException(domain + " has no application " + String.join(", ", unknown));
            }
            return 0;
        }

        private List<String> ask(PrintWriter out) throws IOException {
            if (!Posix.isatty(0) || !Posix.isatty(1)) {
                return List.of();
            }
            out.print("Add to the menu (ids or commands, separated by spaces; empty for none): ");
            out.flush();
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            return line == null || line.isBlank() ? List.of() : List.of(line.strip().split("\\s+"));
        }
    }
}
