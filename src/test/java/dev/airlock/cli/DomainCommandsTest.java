package dev.airlock.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** create, ls, prefs and remove working on the registry directly (offline mode: no broker runs). */
@Timeout(60)
class DomainCommandsTest {

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
        assertThat(r.err()).isEmpty();
    }

    private void fails(String message, String... args) {
        Run r = run(args);
        assertThat(r.code()).as(String.join(" ", args)).isEqualTo(1);
        assertThat(r.err()).isEqualTo("ERROR: " + message + "\n");
    }

    private void sample() {
        ok("create", "fedora", "--class", "TemplateVM", "--label", "black");
        ok("create", "dvm", "--class", "DispVM-template", "--template", "fedora");
        ok("create", "work", "-t", "fedora", "--default-dispvm", "dvm", "--tag", "projects", "--tag", "b",
                "-l", "blue");
        ok("create", "dispx", "--class", "DispVM", "--template", "dvm");
    }

    @Test
    void lsShowsTheHostFirstThenTheDomainsByName() {
        sample();
        Run r = run("ls");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("""
                NAME    CLASS       STATE    LABEL  TEMPLATE
                dom0    AdminVM     Running  black  -
                dispx   DispVM      Halted   red    dvm
                dvm     AppVM       Halted   red    fedora
                fedora  TemplateVM  Halted   black  -
                work    AppVM       Halted   blue   fedora
                """);
        assertThat(home.resolve("domains/work/home")).isEmptyDirectory();
    }

    @Test
    void prefsShowsAllOneAndSetsAndChangesTags() {
        sample();
        Run all = run("prefs", "work");
        assertThat(all.out()).matches("""
                autostart             false
                class                 AppVM
                cpu_weight            100
                default_dispvm        dvm
                gui                   true \\(default\\)
                label                 blue
                maxmem                2048
                maxprocs              1024
                name                  work
                nofile                4096
                private_max_size      0
                tags                  b projects
                template              fedora
                template_for_dispvms  false
                uuid                  [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}
                """);
        ok("prefs", "work", "label", "green");
        ok("prefs", "work", "autostart", "true");
        ok("prefs", "work", "default_dispvm", "");
        ok("prefs", "work", "--tag-add", "x", "--tag-del", "b");
        assertThat(run("prefs", "work", "label").out()).isEqualTo("green\n");
        assertThat(run("prefs", "work", "autostart").out()).isEqualTo("true\n");
        ok("prefs", "work", "gui", "false");
        assertThat(run("prefs", "work", "gui").out()).isEqualTo("false\n");
        ok("prefs", "work", "gui", "none");
        assertThat(run("prefs", "work", "gui").out()).isEqualTo("true (default)\n");
        assertThat(run("prefs", "work", "default_dispvm").out()).isEqualTo("\n");
        assertThat(run("prefs", "work", "tags").out()).isEqualTo("projects x\n");
        ok("prefs", "work", "template", "none");
        assertThat(run("prefs", "work", "template").out()).isEqualTo("\n");
    }

    @Test
    void limitsAreSetInQubesUnitsOrWithSizesAndKeptInTheRegistry() throws IOException {
        sample();
        ok("prefs", "work", "maxmem", "4000");
        assertThat(run("prefs", "work", "maxmem").out()).isEqualTo("4000\n");
        ok("prefs", "work", "maxmem", "3G");
        ok("prefs", "work", "maxprocs", "256");
        ok("prefs", "work", "cpu_weight", "50");
        ok("prefs", "work", "nofile", "1024");
        ok("prefs", "work", "private_max_size", "10G");
        assertThat(run("prefs", "work", "maxmem").out()).isEqualTo("3072\n");
        assertThat(run("prefs", "work", "private_max_size").out()).isEqualTo("10737418240\n");
        assertThat(Files.readString(home.resolve("domains.xml"))).contains("<maxmem>3072</maxmem>",
                "<maxprocs>256</maxprocs>", "<cpu_weight>50</cpu_weight>", "<nofile>1024</nofile>",
                "<private_max_size>10737418240</private_max_size>");
        ok("prefs", "work", "private_max_size", "none");
        assertThat(run("prefs", "work", "private_max_size").out()).isEqualTo("0\n");
        assertThat(run("prefs", "fedora", "maxmem").out()).as("others keep the default").isEqualTo("2048\n");
    }

    @Test
    void limitsCannotBeLiftedBeyondTheirBoundsOrSetToNonsense() {
        sample();
        fails("maxmem must be from 64 to 1048576 MiB, not 0 MiB", "prefs", "work", "maxmem", "0");
        fails("maxprocs must be from 32 to 4194304, not 5", "prefs", "work", "maxprocs", "5");
        fails("cpu_weight must be from 1 to 10000, not 0", "prefs", "work", "cpu_weight", "0");
        fails("expected a number, found \"-1\"", "prefs", "work", "nofile", "-1");
        fails("expected a number, found \"9999999999\"", "prefs", "work", "maxprocs", "9999999999");
        fails("maxmem must be a whole number of MiB, not \"1500K\"", "prefs", "work", "maxmem", "1500K");
        fails("private_max_size must be 0 (no limit) or at least 16 MiB, not 1024 bytes",
                "prefs", "work", "private_max_size", "1K");
        assertThat(run("prefs", "work", "maxmem").out()).isEqualTo("2048\n");
    }

    @Test
    void doctorTellsForEveryLimitWhetherItHoldsAndWhy() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "doctor");
        Run r = new Run(code, out.toString(), err.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("cgroups: ");
        for (String limit : List.of("maxmem", "maxprocs", "cpu_weight", "nofile", "tmpfs")) {
            assertThat(r.out()).containsPattern("(?m)^" + limit + ": (not )?enforced: .+");
        }
        assertThat(r.out()).containsPattern("(?m)^private_max_size: not enforced: .+");
    }

    @Test
    void refusalsAreOneErrorLineAndExitOne() {
        sample();
        fails("domain work already exists", "create", "work");
        fails("cannot remove dvm: it is the template or default_dispvm of dispx, work", "remove", "-f", "dvm");
        fails("no such domain: ghost", "prefs", "ghost");
        fails("no such domain: ghost", "remove", "--force", "ghost");
        fails("domain x: its template nope does not exist", "create", "x", "-t", "nope");
        fails("domain work: its template dvm is not a TemplateVM", "prefs", "work", "template", "dvm");
        fails("domain dispx: its template dvm is not a disposable template (template_for_dispvms)",
                "prefs", "dvm", "template_for_dispvms", "false");
        fails("unknown label \"pink\" (expected one of red, orange, yellow, green, gray, blue, purple, black)",
                "prefs", "work", "label", "pink");
        fails("expected true or false, found \"maybe\"", "prefs", "work", "autostart", "maybe");
        fails("domain dispx: a DispVM needs a template (the disposable template it is made from)",
                "prefs", "dispx", "template", "");
    }

    @Test
    void badUsageExitsTwo() {
        for (String[] args : List.of(new String[] {"create", "0day"}, new String[] {"create", "dom0"},
                new String[] {"create", "x", "--class", "StandaloneVM"}, new String[] {"create", "x", "-l", "pink"},
                new String[] {"create", "x", "--tag", "a.b"}, new String[] {"prefs", "x", "netvm"},
                new String[] {"prefs", "x", "name", "y"}, new String[] {"prefs", "x", "tags", "y"},
                new String[] {"prefs", "x", "label", "--tag-add", "t"}, new String[] {"remove"},
                new String[] {"create", "disp42"}, new String[] {"create", "disp9999", "--class", "DispVM"})) {
            Run r = run(args);
            assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err()).startsWith("ERROR: ").contains("Usage:");
        }
    }

    @Test
    void createRefusesTheHostsNameInAnyCase() {
        for (String name : List.of("DOM0", "Dom0", "domain-0", "Domain-0", "DEFAULT", "NoNe", "work-DM")) {
            Run r = run("create", name);
            assertThat(r.code()).as(name).isEqualTo(2);
            assertThat(r.err()).as(name).startsWith("ERROR: ").contains("\"" + name + "\"");
        }
        assertThat(home.resolve("domains")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(),
                p -> assertThat(p).isEmptyDirectory());
    }

    @Test
    void namesOfTheBrokersDisposablesAreReserved() {
        // The broker destroys DispVMs of these names that an earlier broker left: a person's domain must not be one.
        Run r = run("create", "disp42", "--class", "DispVM", "--template", "dvm");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("ERROR: the names disp1 to disp9999 are reserved");
        ok("create", "disp10000");
        ok("create", "dispatch");
    }

    @Test
    void removeDeletesTheFolderWithoutFollowingLinks() throws IOException {
        sample();
        Path outside = Files.createDirectories(home.resolveSibling(home.getFileName() + "-outside"));
        Path precious = Files.writeString(outside.resolve("precious"), "keep");
        Path workHome = home.resolve("domains/work/home");
        Files.writeString(workHome.resolve("notes"), "x");
        Files.createSymbolicLink(workHome.resolve("link"), outside);
        ok("remove", "--force", "work");
        assertThat(home.resolve("domains/work")).doesNotExist();
        assertThat(precious).hasContent("keep");
        assertThat(run("ls").out()).doesNotContain("work");
        Files.delete(precious);
        Files.delete(outside);
    }

    @Test
    void createRefusesFilesLeftFromAnEarlierDomain() throws IOException {
        Files.createDirectories(home.resolve("domains/work/home"));
        fails(home.toRealPath().resolve("domains/work") + ": the folder exists already, left from an earlier "
                + "domain of that name; remove it or choose another name", "create", "work");
        assertThat(run("ls").out()).doesNotContain("work");
    }

    @Test
    void aBrokenRegistryIsReportedNotRepaired() throws IOException {
        Files.writeString(home.resolve("domains.xml"), "<domains version=\"1\"><domain name=\"-x\" class=\"AppVM\">"
                + "<label>red</label></domain></domains>");
        Run r = run("ls");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("ERROR: " + home.toRealPath().resolve("domains.xml")
                + ": domain #1: invalid domain name \"-x\": must start with a letter\n");
    }

    /** As a user runs it: a separate process, the home folder from AIRLOCK_HOME, the question on stdin. */
    @Test
    void removeAsksFirstAndAirlockHomeIsHonoured() throws Exception {
        sample();
        assertThat(airlock("n\n", "remove", "work").code()).isEqualTo(1);
        assertThat(run("ls").out()).contains("work");
        Run yes = airlock("y\n", "remove", "work");
        assertThat(yes.code()).as(yes.err()).isZero();
        assertThat(yes.out()).contains("Remove domain work and delete its files in").endsWith("? [y/N] ");
        assertThat(airlock("", "ls").out()).doesNotContain("work").contains("dispx");
    }

    private Run airlock(String input, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("AIRLOCK_HOME", home.toString());
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out, err);
    }
}
