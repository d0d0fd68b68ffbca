package dev.airlock.cli;

import dev.airlock.domain.DomainFolder;
import dev.airlock.domain.Domains;
import dev.airlock.domain.Registry;
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
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code airlock remove}: delete a domain's files and its registry entry, as {@code qvm-remove} does. */
@Command(name = "remove", mixinStandardHelpOptions = true,
        description = {"Remove a domain: delete its folder (domains/NAME in airlock's home folder, with the "
                + "domain's home) and its entry in the registry. Asks first unless --force is given.",
                "A domain that another domain uses as its template or default_dispvm is not removed."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:removed", "1:not removed (the error says why)", "2:bad usage"})
final class RemoveCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HomeOption homeOption;

    @Parameters(index = "0", paramLabel = "NAME", description = "The domain to remove.")
    String name;

    @Option(names = {"-f", "--force"}, description = "Do not ask.")
    boolean force;

    @Override
    public Integer call() throws IOException {
        Registry registry = homeOption.registry();
        // Refuse before asking, so the user is not asked about a removal that cannot happen.
        registry.read(all -> all.remove(name));
        Path folder = registry.domainFolder(name);
        if (!force && !confirmed(folder)) {
            spec.commandLine().getErr().println("ERROR: " + name + " was not removed");
            return 1;
        }
        try {
            registry.update(all -> {
                Domains next = all.remove(name);
                // Files first: a failure leaves the entry, so the removal can simply be repeated.
                HomeOption.inUpdate(() -> DomainFolder.delete(folder));
                return next;
            });
        } catch (UncheckedIOException e) {
            throw HomeOption.unwrap(e);
        }
        return 0;
    }

    private boolean confirmed(Path folder) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        out.print("Remove domain " + name + " and delete its files in " + Messages.safe(folder.toString())
                + "? [y/N] ");
        out.flush();
        String answer = new BufferedReader(new InputStreamReader(System.in)).readLine();
        return answer != null && switch (answer.strip().toLowerCase(Locale.ROOT)) {
            case "y", "yes" -> true;
            default -> false;
        };
    }
}
