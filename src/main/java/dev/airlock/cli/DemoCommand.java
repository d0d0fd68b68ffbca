package dev.airlock.cli;

import dev.airlock.agent.Caller;
import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.DomainFolder;
import dev.airlock.domain.Domains;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;
import dev.airlock.qrexec.MessageReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code airlock demo}: everything the first copy and the first open in a disposable need, from nothing: the broker,
 * two domains {@code work} and {@code personal} (created when missing), both running, {@code hello.txt} in work's
 * home, and the disposable template {@code default-dvm} as the global default_dispvm (unless one is set), as Qubes
 * ships it.
 */
@Command(name = "demo",
        description = "Start the broker and the domains work and personal (created if missing, with hello.txt in "
                + "work's home), ready for: airlock copy work:hello.txt personal. Also creates the disposable "
                + "template default-dvm (label red, as in Qubes) and makes it the global default_dispvm unless one "
                + "is set, ready for: airlock open-in-dvm ./FILE. Safe to run again.",
        mixinStandardHelpOptions = true)
final class DemoCommand implements Callable<Integer> {
    private static final int BROKER_WAIT_SECONDS = 20;
    private static final List<Domain> DOMAINS = List.of(Domain.of("work", DomainClass.APP_VM, Label.BLUE),
            Domain.of("personal", DomainClass.APP_VM, Label.GREEN));
    /** The disposable template Qubes ships: red, as its disposables are. */
    static final Domain DEFAULT_DVM = Domain.of("default-dvm", DomainClass.APP_VM, Label.RED)
            .withTemplateForDispvms(true);
    /** Written by work's own user, so that it can later move or delete the file. */
    private static final String HELLO = "[ -e hello.txt ] || echo 'Hello from work.' > hello.txt";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        var err = spec.commandLine().getErr();
        AirlockHome home = AirlockHome.fromEnvironment(Invocation.current().env());
        UpCommand.ensureRunning(home, BROKER_WAIT_SECONDS, err);
        Registry registry = Registry.open(home.root());
        for (Domain d : DOMAINS) {
            if (createIfMissing(registry, d)) {
                err.println("airlock: created domain " + d.name());
            }
        }
        if (createIfMissing(registry, DEFAULT_DVM)) {
            err.println("airlock: created the disposable template " + DEFAULT_DVM.name());
        }
        if (makeGlobalDefault(registry, DEFAULT_DVM.name())) {
            err.println("airlock: " + DEFAULT_DVM.name() + " is the global default_dispvm");
        }
        AdminClient client = new AdminClient(home);
        for (Domain d : DOMAINS) {
            client.call(AdminClient.request("start").put("domain", d.name()));
        }
        var request = AdminClient.request("run").put("domain", "work");
        request.putArray("argv").add("sh").add("-c").add(HELLO);
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (SocketChannel ch = client.openStream(request)) {
            int code = Caller.exchange(ch, new MessageReader(ch), new ByteArrayInputStream(new byte[0]), output,
                    output);
            if (code != 0) {
                throw new IOException("cannot write hello.txt in work (exit " + code + "): "
                        + output.toString(StandardCharsets.UTF_8).strip());
            }
        }
        err.println("airlock: work and personal are running. Copy a file: airlock copy work:hello.txt personal");
        err.println("airlock: open a file of this computer in a disposable: airlock open-in-dvm ./FILE");
        return 0;
    }

    /**
     * Makes {@code template} the global default_dispvm when none is set and it is a disposable template (a
     * {@code default-dvm} the user made into something else is left alone); whether it did.
     */
    static boolean makeGlobalDefault(Registry registry, String template) throws IOException {
        boolean[] set = new boolean[1];
        registry.update(all -> {
            if (all.defaultDispvm() != null || all.get(template).filter(Domain::templateForDispvms).isEmpty()) {
                return all;
            }
            set[0] = true;
            return all.withDefaultDispvm(template);
        });
        return set[0];
    }

    private static boolean createIfMissing(Registry registry, Domain domain) throws IOException {
        boolean[] created = new boolean[1];
        try {
            registry.update(all -> {
                if (all.get(domain.name()).isPresent()) {
                    return all;
                }
                Domains next = all.add(domain);
                HomeOption.inUpdate(() -> DomainFolder.create(registry.domainFolder(domain.name())));
                created[0] = true;
                return next;
            });
        } catch (UncheckedIOException e) {
            throw HomeOption.unwrap(e);
        }
        return created[0];
    }
}
