package dev.airlock.cli;

import dev.airlock.domain.Registry;
import dev.airlock.policy.Decision;
import dev.airlock.policy.Policy;
import dev.airlock.policy.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code airlock prefs --global} (qubes-prefs): the global default_dispvm, how domains inherit it, and its rules. */
@Timeout(60)
class GlobalPrefsTest {

    @TempDir
    Path home;

    private record Run(int code, String out, String err) {
    }

    private Run run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add(1, "--home=" + home);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private void ok(String... args) {
        Run r = run(args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
    }

    private void sample() {
        ok("create", "default-dvm", "--class", "DispVM-template", "--label", "red");
        ok("create", "other-dvm", "--class", "DispVM-template");
        ok("create", "work");
        ok("create", "own", "--default-dispvm", "other-dvm");
    }

    @Test
    void globalDefaultIsShownSetAndUnset() {
        sample();
        assertThat(run("prefs", "--global").out()).isEqualTo("default_dispvm\n");
        ok("prefs", "--global", "default_dispvm", "default-dvm");
        assertThat(run("prefs", "--global").out()).isEqualTo("default_dispvm  default-dvm\n");
        assertThat(run("prefs", "--global", "default_dispvm").out()).isEqualTo("default-dvm\n");
        ok("prefs", "--global", "default_dispvm", "");
        assertThat(run("prefs", "--global", "default_dispvm").out()).isEqualTo("\n");
    }

    @Test
    void domainWithoutItsOwnShowsTheGlobalDefaultAndSaysWhereItComesFrom() {
        sample();
        ok("prefs", "--global", "default_dispvm", "default-dvm");
        Run one = run("prefs", "work", "default_dispvm");
        assertThat(one.out()).isEqualTo("default-dvm\n");
        assertThat(one.err()).contains("global default");
        assertThat(run("prefs", "work").out()).contains("default_dispvm        default-dvm  (global default)\n");
        Run own = run("prefs", "own", "default_dispvm");
        assertThat(own.out()).as("a domain's own choice is kept").isEqualTo("other-dvm\n");
        assertThat(own.err()).isEmpty();
    }

    @Test
    void policySeesTheGlobalDefaultForTheHostAndForDomainsWithoutTheirOwn() throws IOException {
        sample();
        ok("prefs", "--global", "default_dispvm", "default-dvm");
        var view = Registry.open(home).view(name -> false);
        assertThat(view.find("dom0").orElseThrow().defaultDispvm()).isEqualTo("default-dvm");
        assertThat(view.find("work").orElseThrow().defaultDispvm()).isEqualTo("default-dvm");
        assertThat(view.find("own").orElseThrow().defaultDispvm()).isEqualTo("other-dvm");
    }

    @Test
    void globalDefaultThatIsNoDisposableTemplateIsRefused() {
        sample();
        Run r = run("prefs", "--global", "default_dispvm", "work");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("ERROR: work is not a disposable template (set it with: airlock prefs work "
                + "template_for_dispvms true)\n");
        Run missing = run("prefs", "--global", "default_dispvm", "ghost");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).startsWith("ERROR: no such domain: ghost");
        assertThat(run("prefs", "--global", "netvm").code()).isEqualTo(2);
        assertThat(run("prefs", "--global", "default_dispvm", "a", "b").code()).isEqualTo(2);
    }

    @Test
    void theGlobalDefaultCannotBeRemovedOrStopBeingADisposableTemplate() {
        sample();
        ok("prefs", "--global", "default_dispvm", "default-dvm");
        Run remove = run("remove", "-f", "default-dvm");
        assertThat(remove.code()).isEqualTo(1);
        assertThat(remove.err()).contains("global default_dispvm");
        Run demote = run("prefs", "default-dvm", "template_for_dispvms", "false");
        assertThat(demote.code()).isEqualTo(1);
        assertThat(demote.err()).contains("the global default_dispvm default-dvm is not a disposable template");
    }

    @Test
    void registryWithoutTheGlobalDefaultStillReadsAndOneWithItRoundTrips() throws IOException {
        sample();
        ok("prefs", "--global", "default_dispvm", "default-dvm");
        Path file = home.resolve("domains.xml");
        String xml = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(xml).contains("<domains version=\"1\">\n  <default_dispvm>default-dvm</default_dispvm>\n");
        Files.writeString(file, xml.replace("  <default_dispvm>default-dvm</default_dispvm>\n", ""));
        assertThat(run("prefs", "--global", "default_dispvm").out()).as("an old registry").isEqualTo("\n");
    }

    @Test
    void registryWithAHostileGlobalDefaultIsRefusedWhole() throws IOException {
        sample();
        ok("prefs", "--global", "default_dispvm", "default-dvm");
        Path file = home.resolve("domains.xml");
        String xml = Files.readString(file, StandardCharsets.UTF_8);
        for (String bad : List.of("<default_dispvm>work</default_dispvm>", "<default_dispvm>../x</default_dispvm>",
                "<default_dispvm>default-dvm</default_dispvm>\n  <default_dispvm>default-dvm</default_dispvm>",
                "<default_dispvm a=\"1\">default-dvm</default_dispvm>")) {
            Files.writeString(file, xml.replace("<default_dispvm>default-dvm</default_dispvm>", bad));
            Run r = run("prefs", "--global", "default_dispvm");
            assertThat(r.code()).as(bad).isEqualTo(1);
            assertThat(r.err()).as(bad).startsWith("ERROR: ").contains("default_dispvm");
        }
    }

    @Test
    void demoNeverOverwritesTheUsersOwnGlobalDefault() throws IOException {
        sample();
        Registry registry = Registry.open(home);
        ok("prefs", "--global", "default_dispvm", "other-dvm");
        assertThat(DemoCommand.makeGlobalDefault(registry, "default-dvm")).isFalse();
        assertThat(run("prefs", "--global", "default_dispvm").out()).isEqualTo("other-dvm\n");
        ok("prefs", "--global", "default_dispvm", "none");
        assertThat(DemoCommand.makeGlobalDefault(registry, "work")).as("work is no disposable template").isFalse();
        assertThat(DemoCommand.makeGlobalDefault(registry, "default-dvm")).isTrue();
        assertThat(run("prefs", "--global", "default_dispvm").out()).isEqualTo("default-dvm\n");
        assertThat(DemoCommand.DEFAULT_DVM.label().labelName()).as("red, as Qubes ships it").isEqualTo("red");
    }

    @Test
    void newDomainsQvmOpenInDvmGoesToTheGlobalDefaultUnlessItSetsItsOwn(@TempDir Path policyDir) throws IOException {
        sample();
        Files.writeString(policyDir.resolve("30-user.policy"), "qubes.OpenInVM * @anyvm @dispvm allow\n");
        Policy policy = Policy.load(policyDir);
        var view = Registry.open(home).view(name -> false);
        Decision none = policy.evaluate(Request.of("work", "@dispvm", "qubes.OpenInVM"), view);
        assertThat(none).as("nothing set anywhere: the reason says what to run").isInstanceOf(Decision.Deny.class);
        assertThat(none.reason()).contains("airlock prefs --global default_dispvm");
        ok("prefs", "--global", "default_dispvm", "default-dvm");
        view = Registry.open(home).view(name -> false);
        Decision work = policy.evaluate(Request.of("work", "@dispvm", "qubes.OpenInVM"), view);
        assertThat(((Decision.Allow) work).target()).isEqualTo("@dispvm:default-dvm");
        Decision own = policy.evaluate(Request.of("own", "@dispvm", "qubes.OpenInVM"), view);
        assertThat(((Decision.Allow) own).target()).isEqualTo("@dispvm:other-dvm");
    }
}
