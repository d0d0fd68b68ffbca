package dev.airlock.packaging;

import dev.airlock.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ManPageTest {

    @Command(name = "demo", description = {".so /etc/shadow is where a help text could go wrong", "'br too",
            "back\\slash and -dash%nsecond line"})
    static final class Tricky {
        @Option(names = "--mode", paramLabel = "MODE", description = ".TH breaks the page")
        String mode;
    }

    @Test
    void helpTextStartingWithADotOrQuoteIsNeverTakenForARoffRequest() {
        String page = ManPage.render(CommandSpec.forAnnotatedObject(new Tricky()), "1.0");
        assertThat(page.lines()).noneMatch(l -> l.startsWith(".so") || l.startsWith("'br") || l.startsWith(".TH b"));
        assertThat(page).contains("\\&.so /etc/shadow", "\\&'br too", "\\&.TH breaks the page")
                .contains("back\\eslash and \\-dash\n", "second line\n")
                .contains("\\fB\\-\\-mode\\fR=\\fIMODE\\fR");
    }

    @Test
    void everyHelpTextIsAValidFormatSoHelpNeverFallsBackToTheRawString() {
        // picocli formats each description line; a lone percent sign ("90% of") makes it warn and print the
        // line raw, with its %n unreplaced.
        List<CommandSpec> all = new java.util.ArrayList<>();
        collect(Main.commandLine().getCommandSpec(), all);
        for (CommandSpec spec : all) {
            List<String> lines = new java.util.ArrayList<>(List.of(spec.usageMessage().description()));
            spec.options().forEach(o -> lines.addAll(List.of(o.description())));
            spec.positionalParameters().forEach(p -> lines.addAll(List.of(p.description())));
            for (String line : lines) {
                assertThat(catching(line)).as("%s: %s", spec.qualifiedName(), line).isNull();
            }
        }
    }

    private static void collect(CommandSpec spec, List<CommandSpec> into) {
        into.add(spec);
        spec.subcommands().values().forEach(c -> collect(c.getCommandSpec(), into));
    }

    private static Exception catching(String line) {
        try {
            String.format(line);
            return null;
        } catch (java.util.IllegalFormatException e) {
            return e;
        }
    }

    @Test
    void everyVisibleCommandGetsAPageAndTheTopPageListsThem(@TempDir Path dir) throws Exception {
        CommandLine airlock = Main.commandLine();
        List<Path> pages = PackageFiles.writeManPages(airlock.getCommandSpec(), "1.0", dir);
        assertThat(dir.resolve("airlock.1")).exists();
        assertThat(dir.resolve("airlock-copy-local.1")).exists();
        assertThat(dir.resolve("airlock-policy-eval.1")).exists();
        String top = Files.readString(dir.resolve("airlock.1"));
        for (CommandSpec sub : ManPage.visibleSubcommands(airlock.getCommandSpec())) {
            assertThat(top).contains("\\fB" + ManPage.escape(sub.name()) + "\\fR");
        }
        assertThat(pages).hasSizeGreaterThan(ManPage.visibleSubcommands(airlock.getCommandSpec()).size());
        // The page says what --help says: the same description, word for word.
        String copyLocal = Files.readString(dir.resolve("airlock-copy-local.1"));
        String help = airlock.getSubcommands().get("copy-local").getCommandSpec().usageMessage().description()[0];
        assertThat(copyLocal).contains(ManPage.escape(help.strip()));
    }
}
