package dev.airlock.cli;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.broker.SandboxPidFile;
import dev.airlock.domain.DomainFolder;
import dev.airlock.domain.Domains;
import dev.airlock.domain.Registry;
import dev.airlock.sys.Trees;
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
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code airlock remove}: delete a domain's files and its registry entry, as {@code qvm-remove} does. */
@Command(name = "remove", mixinStandardHelpOptions = true,
        description = {"Remove a domain: delete its folder (domains/NAME in airlock's home folder, with the "
                + "domain's home) and its entry in the registry. Asks first unless --force is given.",
                "A running domain is not removed (stop it first with: airlock shutdown NAME) unless --force is "
                        + "given, which stops it first, through the broker if one runs, and waits until none of "
                        + "its processes is left.",
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

    @Option(names = {"-f", "--force"}, description = "Do not ask, and stop the domain first if it runs.")
    boolean force;

    @Override
    public Integer call() throws IOException {
        Registry registry = homeOption.registry();
        // Refuse before asking, so the user is not asked about a removal that cannot happen.
        registry.read(all -> all.remove(name));
        Path folder = registry.domainFolder(name);
        AirlockHome home = new AirlockHome(registry.home());
        AdminClient broker = new AdminClient(home);
        boolean brokerRuns = broker.isRunning();
        boolean runs = brokerRuns
                ? broker.call(AdminClient.request("sandbox").put("domain", name)).path("running").asBoolean(true)
                : SandboxPidFile.live(home, name).isPresent();
        if (runs && !force) {
            // A running domain could change its files while they are deleted; Qubes refuses too.
            spec.commandLine().getErr().println("ERROR: domain " + name + " is running: stop it first with: "
                    + "airlock shutdown " + name + " (or remove it with --force, which stops it)");
            return 1;
        }
        if (!force && !confirmed(folder)) {
            spec.commandLine().getErr().println("ERROR: " + name + " was not removed");
            return 1;
        }
        stopSandbox(home, broker, brokerRuns);
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
        if (brokerRuns) {
            // A call's autostart may have started the domain again between the stop and the update: now that it
            // is out of the registry, nothing can start it, and what did is stopped (issue 10).
            try {
                broker.call(AdminClient.request("discard").put("domain", name));
            } catch (IOException e) {
                if (broker.isRunning()) {
                    throw e;
                }
                // The broker stopped meanwhile: the next one kills such a sandbox instead of adopting it.
            }
        }
        return 0;
    }

    /**
     * Stops the domain's sandbox, whoever started it, and waits until no process of it is left; deletes its run
     * folder. Through the broker when one runs, so that it lets go of the domain as well.
     */
    private void stopSandbox(AirlockHome home, AdminClient broker, boolean brokerRuns) throws IOException {
        if (brokerRuns) {
            broker.call(AdminClient.request("discard").put("domain", name));
            return;
        }
        Optional<ProcessHandle> sandbox = SandboxPidFile.live(home, name);
        if (sandbox.isPresent() && !SandboxPidFile.kill(sandbox.get())) {
            throw new IOException("cannot stop domain " + name + " (pid " + sandbox.get().pid() + "); it was not "
                    + "removed");
        }
        Trees.deleteForcibly(home.run().resolve("domains").resolve(name));
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
