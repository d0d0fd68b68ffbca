package dev.airlock.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.cli.Main;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layering of {@code docs/architecture.md}, enforced over the compiled classes and the sources' imports: each
 * package imports only the packages its row allows, the in-domain side never reaches the broker, and no packages
 * depend on each other in a cycle. A new package needs a row here (a sub-package without one counts as its
 * parent); a row whose package does not exist yet costs nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LayeringTest {
    /** Packages that import no airlock package and that every package may import. */
    private static final Set<String> FOUNDATIONS = Set.of("contract");

    /** Package to the packages it may import, from the bottom up, as in docs/architecture.md. */
    private static final Map<String, Set<String>> ALLOWED = table(
            row("sys"),
            row("xml"),
            row("text"),
            row("qrexec"),
            row("keystore"),
            row("contract"),
            row("log", "text"),
            row("clipboard"),
            row("policy", "qrexec"),
            row("sandbox", "qrexec", "sys"),
            row("door", "qrexec", "sys"),
            row("filecopy", "sandbox", "sys"),
            row("xdg"),
            row("openinvm", "sys", "xdg"),
            row("domain", "policy", "sys", "xml"),
            row("limits", "domain", "qrexec"),
            row("backup", "xml"),
            row("backup.io", "backup", "domain", "sys"),
            row("display", "sandbox", "sys", "domain", "log", "text"),
            row("notify", "display", "log"),
            row("dialog", "display", "domain", "sys", "log", "text"),
            row("pendrive", "keystore", "policy", "sys", "text"),
            row("pendrive.wire", "pendrive", "qrexec", "sys"),
            row("pendrive.fat", "filecopy", "sys"),
            row("pendrive.host", "pendrive", "pendrive.wire", "pendrive.fat", "keystore", "policy", "filecopy",
                    "openinvm", "sandbox", "sys", "text"),
            row("pendrive.client", "pendrive", "pendrive.wire", "pendrive.fat", "filecopy", "openinvm", "sandbox",
                    "sys", "text"),
            row("hostcopy", "display", "filecopy", "qrexec", "sandbox", "sys", "text"),
            row("agent", "filecopy", "log", "openinvm", "qrexec", "sandbox", "sys", "text"),
            row("broker", "sys", "text", "log", "qrexec", "keystore", "policy", "sandbox", "filecopy", "openinvm", "domain",
                    "limits", "display", "dialog", "notify", "pendrive", "pendrive.wire", "pendrive.fat",
                    "pendrive.host", "clipboard", "hostcopy", "xdg"),
            row("menu", "domain", "sys", "xdg", "xml"),
            row("cli", "sys", "text", "log", "qrexec", "keystore", "policy", "sandbox", "filecopy", "openinvm", "domain",
                    "limits", "backup", "backup.io", "display", "dialog", "notify", "pendrive", "pendrive.wire",
                    "pendrive.fat", "pendrive.host", "pendrive.client", "agent", "broker", "clipboard", "hostcopy",
                    "menu", "xdg", "door"),
            row("client", "cli", "door", "qrexec"),
            row("packaging", "cli"));

    /** The packages whose code runs inside a domain, in full. */
    private static final List<String> IN_DOMAIN_PACKAGES = List.of("agent", "pendrive.client");

    /** The commands of {@code cli} that run inside a domain: the Qubes tools, airlock-desktop, the agent's entry. */
    private static final Pattern IN_DOMAIN_COMMAND =
            Pattern.compile("(Agent|DomainDesktop|Qfile|Qrexec|Qubes|Qvm)\\w*Command");

    private Layering airlock;

    @BeforeAll
    void read() throws IOException, URISyntaxException {
        Path classes = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path sources = classes.getParent().getParent().resolve("src/main/java");
        assertThat(sources).as("the sources beside %s", classes).isDirectory();
        airlock = new Layering().readClasses(classes).readImports(sources);
        assertThat(airlock.edges()).as("the classes were read").hasSizeGreaterThan(100);
    }

    @Test
    void everyPackageImportsOnlyWhatItsRowAllows() {
        assertThat(airlock.violations(ALLOWED)).isEmpty();
    }

    @Test
    void packagesDependOnEachOtherWithoutCycles() {
        assertThat(airlock.cycles(ALLOWED.keySet())).isEmpty();
    }

    @Test
    void inDomainCodeNeverReachesTheBroker() {
        List<String> roots = new ArrayList<>();
        for (String c : airlock.edges().keySet()) {
            String pkg = Layering.packageOf(c);
            String simple = c.substring(c.lastIndexOf('.') + 1);
            if (IN_DOMAIN_PACKAGES.stream().anyMatch(p -> pkg.equals(p) || pkg.startsWith(p + "."))
                    || pkg.equals("cli") && IN_DOMAIN_COMMAND.matcher(simple).matches()) {
                roots.add(c);
            }
        }
        assertThat(roots).as("the in-domain commands were found").anyMatch(c -> c.endsWith(".QvmCopyToVmCommand"));
        assertThat(airlock.reaches(roots, "broker")).isEmpty();
    }

    // The checker itself, on made-up classes: each rule must be able to fail.

    @Test
    void checkerReportsAnImportTheTableDoesNotAllow() {
        Layering made = new Layering().refer("dev.airlock.sys.Posix", "dev.airlock.broker.Broker")
                .refer("dev.airlock.broker.Broker", "dev.airlock.sys.Posix");
        assertThat(made.violations(ALLOWED)).containsExactly(
                "sys may not import broker: dev.airlock.sys.Posix -> dev.airlock.broker.Broker");
    }

    @Test
    void checkerReportsAPackageWithoutARowButNotARowWithoutAPackage() {
        Layering made = new Layering().refer("dev.airlock.gadget.Thing", "dev.airlock.sys.Posix");
        assertThat(made.violations(ALLOWED)).containsExactly(
                "dev.airlock.gadget.Thing is in package 'gadget', which has no row in the layering table");
        assertThat(new Layering().refer("dev.airlock.sys.Posix", "dev.airlock.sys.Posix").violations(ALLOWED))
                .as("display and contract may not exist yet").isEmpty();
    }

    @Test
    void checkerCountsASubPackageWithoutARowAsItsParent() {
        Layering made = new Layering().refer("dev.airlock.broker.decide.Decider", "dev.airlock.domain.Domain")
                .refer("dev.airlock.agent.x.Helper", "dev.airlock.broker.Broker");
        assertThat(made.violations(ALLOWED)).containsExactly(
                "agent may not import broker: dev.airlock.agent.x.Helper -> dev.airlock.broker.Broker");
    }

    @Test
    void checkerLetsEveryPackageImportAFoundation() {
        Layering made = new Layering().refer("dev.airlock.agent.Agent", "dev.airlock.contract.Services")
                .refer("dev.airlock.contract.Services", "dev.airlock.qrexec.ServiceCall");
        assertThat(made.violations(ALLOWED)).containsExactly(
                "contract may not import qrexec: dev.airlock.contract.Services -> dev.airlock.qrexec.ServiceCall");
    }

    @Test
    void checkerReportsACycleBetweenPackages() {
        Layering made = new Layering().refer("dev.airlock.policy.Evaluator", "dev.airlock.domain.Domain")
                .refer("dev.airlock.domain.Domain", "dev.airlock.policy.Evaluator");
        assertThat(made.cycles(ALLOWED.keySet())).containsExactly(List.of("domain", "policy", "domain"));
    }

    @Test
    void checkerFollowsTheInDomainSideThroughAnAllowedPackageToTheBroker() {
        Layering made = new Layering().refer("dev.airlock.cli.QvmCopyCommand", "dev.airlock.cli.Messages")
                .refer("dev.airlock.cli.Messages", "dev.airlock.broker.AdminClient")
                .refer("dev.airlock.cli.LsCommand", "dev.airlock.broker.AdminClient");
        assertThat(made.reaches(List.of("dev.airlock.cli.QvmCopyCommand"), "broker")).containsExactly(
                "dev.airlock.cli.QvmCopyCommand -> dev.airlock.cli.Messages -> dev.airlock.broker.AdminClient");
    }

    @Test
    void checkerReadsAReferenceThatOnlyTheImportShows(@TempDir Path tmp)
            throws IOException {
        // A compile-time constant is copied into the class that uses it: only the source's import remains.
        Path file = Files.createDirectories(tmp.resolve("dev/airlock/agent")).resolve("Paths.java");
        Files.writeString(file, "package dev.airlock.agent;\n\nimport static dev.airlock.broker.Broker.HOME;\n");
        assertThat(new Layering().readImports(tmp).violations(ALLOWED)).containsExactly(
                "agent may not import broker: dev.airlock.agent.Paths -> dev.airlock.broker.Broker");
    }

    private static Map.Entry<String, Set<String>> row(String pkg, String... mayImport) {
        Set<String> allowed = new TreeSet<>(List.of(mayImport));
        if (!FOUNDATIONS.contains(pkg)) {
            allowed.addAll(FOUNDATIONS);
        }
        return Map.entry(pkg, allowed);
    }

    @SafeVarargs
    private static Map<String, Set<String>> table(Map.Entry<String, Set<String>>... rows) {
        Map<String, Set<String>> t = new LinkedHashMap<>();
        for (var r : rows) {
            assertThat(t.put(r.getKey(), r.getValue())).as("one row for %s", r.getKey()).isNull();
            assertThat(t.keySet()).as("%s imports only packages listed above it", r.getKey())
                    .containsAll(r.getValue().stream().filter(p -> !FOUNDATIONS.contains(p)).toList());
        }
        return t;
    }
}
