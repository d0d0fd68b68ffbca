package dev.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

class PolicyCommandTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static String domains() {
        try {
            return Path.of(Objects.requireNonNull(
                    PolicyCommandTest.class.getResource("/policy/system-info.json")).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path policy(String text) throws IOException {
        Files.writeString(dir.resolve("50-test.policy"), text);
        return dir;
    }

    private Run eval(String... args) {
        List<String> all = new ArrayList<>(List.of("policy", "eval", "--policy-dir", dir.toString(),
                "--domains", domains()));
        all.addAll(List.of(args));
        return run(all.toArray(String[]::new));
    }

    @Test
    void lintOfAValidPolicySaysOk() throws IOException {
        Run r = run("policy", "lint", policy("qubes.Filecopy * @anyvm @anyvm ask\n").toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("OK: 1 rule in ");
    }

    private static Path qubesFixture(String part) {
        try {
            return Path.of(Objects.requireNonNull(
                    PolicyCommandTest.class.getResource("/policy/qubes-4.2-dom0/" + part)).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        }
    }

    @Test
    void lintOfAQubes42Dom0PolicyFolderIsCleanWithAndWithoutItsLegacyFolder() throws IOException {
        Path policyD = dir.resolve("policy.d");
        copyTree(qubesFixture("policy.d"), policyD);
        Run r = run("policy", "lint", policyD.toString());
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("OK: ");
        copyTree(qubesFixture("legacy-r4.0"), dir.resolve("policy-4.0"));
        Run withLegacy = run("policy", "lint", policyD.toString());
        assertThat(withLegacy.err()).isEmpty();
        assertThat(withLegacy.exit()).isZero();
        assertThat(withLegacy.out()).startsWith("OK: ").isNotEqualTo(r.out());
    }

    @Test
    void lintListsEveryErrorAndExitsOne() throws IOException {
        Files.writeString(dir.resolve("10-a.policy"), "a.Svc * @anyvm @anyvm allow notify=maybe\n");
        Files.writeString(dir.resolve("20-b.policy"), "b.Svc\n");
        Files.writeString(dir.resolve("Bad.policy"), "\n");
        Run r = run("policy", "lint", dir.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().lines().toList()).satisfiesExactly(
                l -> assertThat(l).startsWith("ERROR: 10-a.policy:1:36: notify: expected yes or no"),
                l -> assertThat(l).startsWith("ERROR: 20-b.policy:1:1: expected SERVICE ARGUMENT"),
                l -> assertThat(l).isEqualTo("ERROR: Bad.policy: invalid policy file name (only 0-9 a-z _ . - are "
                        + "allowed); rename or remove the file"),
                l -> assertThat(l).startsWith("ERROR: 3 errors in the policy in "));
    }

    @Test
    void lintEscapesControlCharactersInFileNames() throws IOException {
        Files.writeString(dir.resolve("evil\u001b[31m.policy"), "\n");
        Run r = run("policy", "lint", dir.toString());
        assertThat(r.err()).doesNotContain("\u001b").contains("evil\\u001b[31m.policy");
    }

    @Test
    void evalAllowPrintsTargetAndRuleAndExitsZero() throws IOException {
        policy("qubes.OpenInVM * @anyvm @dispvm allow\n");
        Run r = eval("work", "@dispvm", "qubes.OpenInVM");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("allow\n  target: @dispvm:default-dvm\n  requested target: @dispvm\n")
                .contains("  rule: 50-test.policy:1: qubes.OpenInVM * @anyvm @dispvm allow\n");
    }

    @Test
    void evalDenyExitsWith126() throws IOException {
        policy("qubes.Filecopy * @anyvm @anyvm deny\n");
        Run r = eval("work", "personal", "qubes.Filecopy");
        assertThat(r.exit()).isEqualTo(126);
        assertThat(r.out()).startsWith("deny\n");
    }

    @Test
    void evalJsonHasTheDocumentedKeysForAsk() throws IOException {
        policy("qubes.Filecopy * @anyvm @anyvm ask default_target=vault\n");
        Run r = eval("work", "@default", "qubes.Filecopy+x", "--json");
        assertThat(r.exit()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("result").asText()).isEqualTo("ask");
        assertThat(j.has("target")).isFalse();
        assertThat(j.get("requested_target").asText()).isEqualTo("@default");
        assertThat(j.get("default_target").asText()).isEqualTo("vault");
        assertThat(j.get("targets_for_ask").toString()).isEqualTo(
                "[\"@dispvm:default-dvm\",\"default-dvm\",\"disp123\",\"fedora\",\"personal\",\"vault\"]");
        assertThat(j.get("rule").asText()).isEqualTo("50-test.policy:1");
        assertThat(j.get("notify").asBoolean()).isFalse();
        assertThat(j.get("autostart").asBoolean()).isTrue();
        assertThat(j.get("reason").asText()).isNotEmpty();
    }

    @Test
    void evalJsonForDenyLeavesOutWhatDoesNotApply() throws IOException {
        policy("qubes.Filecopy * @anyvm vault deny\n");
        Run r = eval("work", "personal", "qubes.Filecopy", "--json");
        assertThat(r.exit()).isEqualTo(126);
        JsonNode j = new ObjectMapper().readTree(r.out());
        List<String> keys = new ArrayList<>();
        j.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("result", "requested_target", "notify", "reason");
        assertThat(j.get("notify").asBoolean()).isTrue();
    }

    @Test
    void evalReportsTheHostAsDom0() throws IOException {
        policy("test.Svc * @anyvm @adminvm allow\n");
        Run r = eval("work", "@adminvm", "test.Svc", "--json");
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("target").asText()).isEqualTo("dom0");
        assertThat(j.get("requested_target").asText()).isEqualTo("dom0");
    }

    @Test
    void evalWithAPolicyErrorDeniesAndSaysWhy() throws IOException {
        Files.writeString(dir.resolve("10-a.policy"), "test.Svc * @anyvm @anyvm allow\n");
        Files.writeString(dir.resolve("20-b.policy"), "oops\n");
        Run r = eval("work", "personal", "test.Svc");
        assertThat(r.exit()).isEqualTo(126);
        assertThat(r.out()).contains("every call is denied (first: 20-b.policy:1:1:");
    }

    @Test
    void evalWithoutDomainsKnowsOnlyTheHost() throws IOException {
        policy("test.Svc * @anyvm @anyvm allow\ntest.Svc * dom0 @default allow target=@dispvm\n");
        Run r = run("policy", "eval", "--policy-dir", dir.toString(), "work", "personal", "test.Svc");
        assertThat(r.exit()).isEqualTo(126);
        assertThat(r.out()).contains("the calling domain work does not exist");
    }

    @Test
    void malformedRequestIsBadUsage() {
        Run r = eval("work", "per/sonal", "test.Svc");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("ERROR: invalid target \"per/sonal\"").contains("Usage:");
        assertThat(eval("work", "personal", "bad service").exit()).isEqualTo(2);
        assertThat(eval("work", "personal").exit()).isEqualTo(2);
    }

    @Test
    void missingDomainsFileIsAnErrorLine() throws IOException {
        policy("test.Svc * @anyvm @anyvm allow\n");
        Run r = run("policy", "eval", "--policy-dir", dir.toString(), "--domains", dir.resolve("no.json").toString(),
                "work", "personal", "test.Svc");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("ERROR: ").contains("no.json: no such file").doesNotContain("Exception");
    }

    @Test
    void showListsRulesInOrderWithTheirFiles() throws IOException {
        Files.writeString(dir.resolve("10-a.policy"), "qubes.Filecopy * work personal allow\n");
        Files.writeString(dir.resolve("20-b.policy"),
                "# c\nqubes.OpenInVM +x @anyvm @dispvm allow\n* * @anyvm @anyvm deny\n");
        Run all = run("policy", "show", "--policy-dir", dir.toString());
        assertThat(all.exit()).isZero();
        assertThat(all.out().lines().toList()).containsExactly(
                "10-a.policy:1  qubes.Filecopy  *   work    personal  allow",
                "20-b.policy:2  qubes.OpenInVM  +x  @anyvm  @dispvm   allow",
                "20-b.policy:3  *               *   @anyvm  @anyvm    deny");
        Run one = run("policy", "show", "--policy-dir", dir.toString(), "qubes.OpenInVM+y");
        assertThat(one.out().lines().toList()).containsExactly("20-b.policy:3  *  *  @anyvm  @anyvm  deny");
    }

    @Test
    void showRefusesToListABrokenPolicy() throws IOException {
        policy("nonsense\n");
        Run r = run("policy", "show", "--policy-dir", dir.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("every call is denied");
    }

    @Test
    void policyWithoutSubcommandPrintsHelpAndExitsTwo() {
        Run r = run("policy");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("Usage: airlock policy");
    }
}
