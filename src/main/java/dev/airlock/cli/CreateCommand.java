package dev.airlock.cli;

import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.DomainFolder;
import dev.airlock.domain.Domains;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code airlock create}: add a domain to the registry and make its folder, as {@code qvm-create} does. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Create a domain: add it to the registry and make its folder, domains/NAME/home, in "
                + "airlock's home folder. Works whether or not the broker runs.",
                "NAME: " + Domain.NAME_RULES + "."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:created", "1:not created (the error says why)", "2:bad usage"})
final class CreateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HomeOption homeOption;

    @Parameters(index = "0", paramLabel = "NAME", description = "The new domain's name.")
    String name;

    @Option(names = {"-C", "--class"}, paramLabel = "CLASS", defaultValue = "AppVM",
            description = "AppVM (the default), TemplateVM, DispVM-template (an AppVM that disposables are made "
                    + "from: template_for_dispvms), or DispVM (a named disposable; needs --template).")
    String domainClass;

    @Option(names = {"-l", "--label"}, paramLabel = "LABEL", defaultValue = "red",
            description = "red (the default), orange, yellow, green, gray, blue, purple or black.")
    String label;

    @Option(names = {"-t", "--template"}, paramLabel = "NAME",
            description = "For an AppVM, the TemplateVM it is based on; for a DispVM, its disposable template.")
    String template;

    @Option(names = "--default-dispvm", paramLabel = "NAME",
            description = "The disposable template for the disposables this domain asks for (@dispvm); without it "
                    + "the domain uses the global default (airlock prefs --global default_dispvm; airlock demo "
                    + "creates the disposable template default-dvm and makes it the global default).")
    String defaultDispvm;

    @Option(names = "--tag", paramLabel = "TAG", description = "A tag ([A-Za-z0-9_-]); may be repeated.")
    List<String> tags = new ArrayList<>();

    @Option(names = "--autostart", description = "Start the domain when the broker starts.")
    boolean autostart;

    @Override
    public Integer call() throws IOException {
        Domain domain;
        try {
            domain = domain();
        } catch (IllegalArgumentException e) {
            return PolicyCommand.usageError(spec, e.getMessage());
        }
        Registry registry = homeOption.registry();
        Path folder = registry.domainFolder(name);
        try {
            registry.update(all -> {
                Domains next = all.add(domain);
                HomeOption.inUpdate(() -> DomainFolder.create(folder));
                return next;
            });
        } catch (UncheckedIOException e) {
            throw HomeOption.unwrap(e);
        }
        return 0;
    }

    private Domain domain() {
        if (Domain.DISPOSABLE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("the names disp1 to disp9999 are reserved for the disposables the "
                    + "broker makes");
        }
        Label l = Label.of(label);
        Domain d = switch (domainClass.toLowerCase(java.util.Locale.ROOT)) {
            case "appvm" -> Domain.of(name, DomainClass.APP_VM, l).withTemplate(template);
            case "templatevm" -> Domain.of(name, DomainClass.TEMPLATE_VM, l).withTemplate(template);
            case "dispvm-template" -> Domain.of(name, DomainClass.APP_VM, l).withTemplate(template)
                    .withTemplateForDispvms(true);
            case "dispvm" -> Domain.disposable(name, l, template);
            default -> throw new IllegalArgumentException("unknown class \"" + domainClass
                    + "\" (expected AppVM, TemplateVM, DispVM-template or DispVM)");
        };
        return d.withDefaultDispvm(defaultDispvm).withTags(Set.copyOf(tags)).withAutostart(autostart);
    }
}
