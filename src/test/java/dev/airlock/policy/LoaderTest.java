package dev.airlock.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.airlock.policy.TestDomains.write;
import static org.assertj.core.api.Assertions.assertThat;

class LoaderTest {

    @TempDir
    Path dir;

    private static final Request COPY = new Request("work", "personal", "test.Svc", "");

    private static List<String> locations(Policy p) {
        return p.rules().stream().map(Policy.RuleText::location).toList();
    }

    private static List<String> errors(Policy p) {
        return p.errors().stream().map(PolicyError::toString).toList();
    }

    @Test
    void filesAreReadInCLocaleOrderOfTheirNames() {
        write(dir, "2-a.policy", "test.Svc * work personal deny\n");
        write(dir, "10-b.policy", "test.Svc * work personal allow\n");
        write(dir, "10_c.policy", "x.Svc * @anyvm @anyvm deny\n");
        write(dir, "10-B.txt", "not read\n");
        Policy p = Policy.load(dir);
        assertThat(p.errors()).isEmpty();
        assertThat(locations(p)).containsExactly("10-b.policy:1", "10_c.policy:1", "2-a.policy:1");
        assertThat(p.evaluate(COPY, TestDomains.ALL)).isInstanceOf(Decision.Allow.class);
    }

    @Test
    void filesNotEndingInPolicyAreIgnored() {
        write(dir, "50-a.policy", "test.Svc * work personal allow\n");
        for (String name : List.of("README", "50-a.policy.rpmnew", "50-a.policy~", ".50-a.policy.swp", "Notes.txt",
                "bad name.txt")) {
            write(dir, name, "this is no policy\n");
        }
        Policy p = Policy.load(dir);
        assertThat(p.errors()).isEmpty();
        assertThat(p.rules()).hasSize(1);
    }

    @Test
    void invalidFileNameEndingInPolicyMakesEveryCallDeny() {
        for (String name : List.of("Upper.policy", "my rules.policy", "a+b.policy", "caf\u00e9.policy")) {
            Path sub = dir.resolve(name.hashCode() + "");
            write(sub, "50-ok.policy", "test.Svc * work personal allow\n");
            write(sub, name, "test.Svc * work personal allow\n");
            Policy p = Policy.load(sub);
            assertThat(errors(p)).as(name).containsExactly(name + ": invalid policy file name "
                    + "(only 0-9 a-z _ . - are allowed); rename or remove the file");
            Decision d = p.evaluate(COPY, TestDomains.ALL);
            assertThat(d).isInstanceOf(Decision.Deny.class);
            assertThat(d.reason()).contains("every call is denied");
        }
    }

    @Test
    void syntaxErrorInASecondFileMakesEveryCallDeny() {
        write(dir, "10-good.policy", "test.Svc * work personal allow\n");
        write(dir, "20-bad.policy", "# comment\ntest.Svc * work personal allow notify=perhaps\n");
        Policy p = Policy.load(dir);
        assertThat(errors(p)).containsExactly("20-bad.policy:2:39: notify: expected yes or no, found \"perhaps\"");
        assertThat(p.evaluate(COPY, TestDomains.ALL)).isInstanceOf(Decision.Deny.class);
    }

    @Test
    void everyErrorOfEveryFileIsReported() {
        write(dir, "10-a.policy", "a.Svc\nb.Svc * @anyvm @anyvm allow\nc.Svc * @bad @anyvm allow\n");
        write(dir, "20-b.policy", "d.Svc * @anyvm @anyvm nope\n");
        Policy p = Policy.load(dir);
        assertThat(errors(p)).hasSize(3).satisfiesExactly(
                e -> assertThat(e).startsWith("10-a.policy:1:1: "),
                e -> assertThat(e).startsWith("10-a.policy:3:9: SOURCE: unknown token"),
                e -> assertThat(e).startsWith("20-b.policy:1:23: ACTION"));
    }

    @Test
    void includeIsReadInPlaceRelativeToTheIncludingFile() {
        write(dir, "30-main.policy",
                "a.Svc * @anyvm @anyvm deny\n!include sub/inc.policy\nc.Svc * @anyvm @anyvm deny\n");
        write(dir, "sub/inc.policy", "b.Svc * @anyvm @anyvm deny\n!include deeper/Any_Name\n");
        write(dir, "sub/deeper/Any_Name", "b2.Svc * @anyvm @anyvm deny\n");
        Policy p = Policy.load(dir);
        assertThat(p.errors()).isEmpty();
        assertThat(locations(p)).containsExactly("30-main.policy:1", "sub/inc.policy:1", "sub/deeper/Any_Name:1",
                "30-main.policy:3");
    }

    @Test
    void includeDirReadsPolicyFilesInOrderWithTheFileNameRules() {
        write(dir, "30-main.policy", "!include-dir conf.d\nz.Svc * @anyvm @anyvm deny\n");
        write(dir, "conf.d/b.policy", "b.Svc * @anyvm @anyvm deny\n");
        write(dir, "conf.d/a.policy", "a.Svc * @anyvm @anyvm deny\n");
        write(dir, "conf.d/ignored.txt", "garbage\n");
        Policy p = Policy.load(dir);
        assertThat(locations(p)).containsExactly("conf.d/a.policy:1", "conf.d/b.policy:1", "30-main.policy:2");
        write(dir, "conf.d/Bad.policy", "a.Svc * @anyvm @anyvm allow\n");
        assertThat(errors(Policy.load(dir))).singleElement().asString().startsWith("conf.d/Bad.policy: invalid");
    }

    @Test
    void includeCycleIsAnErrorNotAHang() {
        write(dir, "10-a.policy", "!include 20-b.policy\n");
        write(dir, "20-b.policy", "!include 10-a.policy\n");
        Policy p = Policy.load(dir);
        assertThat(errors(p)).contains(
                "20-b.policy:1:10: !include 10-a.policy: include cycle: 10-a.policy -> 20-b.policy -> 10-a.policy");
        assertThat(p.evaluate(COPY, TestDomains.ALL)).isInstanceOf(Decision.Deny.class);
    }

    @Test
    void fileIncludingItsOwnFolderIsACycle() {
        write(dir, "10-a.policy", "!include-dir .\n");
        assertThat(errors(Policy.load(dir))).singleElement().asString()
                .contains("include cycle: 10-a.policy -> 10-a.policy");
    }

    @Test
    void deepIncludeChainIsCutOff() {
        write(dir, "10-a.policy", "!include inc0\n");
        for (int i = 0; i < Loader.MAX_INCLUDE_DEPTH + 2; i++) {
            write(dir, "inc" + i, "!include inc" + (i + 1) + "\n");
        }
        assertThat(errors(Policy.load(dir))).singleElement().asString()
                .contains("includes nested deeper than " + Loader.MAX_INCLUDE_DEPTH);
    }

    @Test
    void missingIncludeIsAnErrorAtTheDirective() {
        write(dir, "10-a.policy", "\n!include nothere\n!include-dir nodir\n");
        assertThat(errors(Policy.load(dir))).containsExactly(
                "10-a.policy:2:10: !include nothere: no such file",
                "10-a.policy:3:14: !include-dir nodir: no such folder");
    }

    @Test
    void missingPolicyFolderDeniesEverything() {
        Policy p = Policy.load(dir.resolve("absent"));
        assertThat(errors(p)).singleElement().asString().endsWith("the policy folder does not exist");
        assertThat(p.evaluate(COPY, TestDomains.ALL)).isInstanceOf(Decision.Deny.class);
    }

    @Test
    void emptyPolicyFolderDeniesEverything() {
        Policy p = Policy.load(dir);
        assertThat(p.errors()).isEmpty();
        assertThat(p.evaluate(COPY, TestDomains.ALL)).isInstanceOf(Decision.Deny.class);
    }

    @Test
    void hugePolicyFileIsRejectedWithoutReadingItAll() throws IOException {
        Path big = dir.resolve("10-big.policy");
        Files.write(big, new byte[Loader.MAX_FILE_BYTES + 10]);
        assertThat(errors(Policy.load(dir))).containsExactly(
                "10-big.policy: larger than " + Loader.MAX_FILE_BYTES + " bytes");
    }

    @Test
    void overlongLineIsRejected() {
        write(dir, "10-a.policy", "# " + "x".repeat(Loader.MAX_LINE_CHARS) + "\n");
        assertThat(errors(Policy.load(dir))).singleElement().asString().contains("line longer than");
    }

    @Test
    void invalidUtf8IsRejectedAtItsLine() throws IOException {
        Files.write(dir.resolve("10-a.policy"), new byte[] {'#', '\n', '#', (byte) 0xff, '\n'});
        assertThat(errors(Policy.load(dir))).containsExactly("10-a.policy:2: not valid UTF-8");
    }

    @Test
    void policyNameThatIsAFolderIsAnError() throws IOException {
        Files.createDirectory(dir.resolve("10-a.policy"));
        assertThat(errors(Policy.load(dir))).containsExactly("10-a.policy: not a regular file");
    }

    @Test
    void fifoNamedLikeAPolicyFileCannotHangTheLoader() throws Exception {
        Process mkfifo = new ProcessBuilder("mkfifo", dir.resolve("10-a.policy").toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        assertThat(errors(Policy.load(dir))).containsExactly("10-a.policy: not a regular file");
    }

    @Test
    void floodOfBadLinesStopsAtTheErrorLimit() {
        write(dir, "10-a.policy", "bad\n".repeat(Loader.MAX_ERRORS + 100));
        List<String> errors = errors(Policy.load(dir));
        assertThat(errors).hasSize(Loader.MAX_ERRORS + 1);
        assertThat(errors.getLast()).contains("too many errors");
    }

    @Test
    void symlinkedPolicyFileIsRead() throws IOException {
        Path real = write(dir.resolve("elsewhere"), "rules", "test.Svc * work personal allow\n");
        Files.createSymbolicLink(dir.resolve("10-link.policy"), real);
        Policy p = Policy.load(dir);
        assertThat(p.errors()).isEmpty();
        assertThat(p.evaluate(COPY, TestDomains.ALL)).isInstanceOf(Decision.Allow.class);
    }
}
