package dev.airlock.policy;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.airlock.policy.TestDomains.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** {@code !include-service} and {@code !compat-4.0}: the old per-service format inside a current policy. */
class LegacyPolicyTest {

    @TempDir
    Path config;

    private Path dir;
    private Path legacy;

    @BeforeEach
    void folders() throws IOException {
        dir = Files.createDirectory(config.resolve("policy.d"));
        legacy = config.resolve(PolicyLocation.LEGACY_DIRECTORY);
    }

    private static List<String> errors(Policy p) {
        return p.errors().stream().map(PolicyError::toString).toList();
    }

    private static Decision eval(Policy p, String source, String target, String call) {
        return p.evaluate(Request.of(source, target, call), TestDomains.ALL);
    }

    @Test
    void includeServiceAppliesOldFormatRulesToThatServiceAndArgument() {
        write(dir, "30-user.policy", "!include-service test.Svc +x include/svc\n");
        write(dir, "include/svc", "# old format\n$anyvm $dispvm allow\nwork personal ask,default_target=personal\n"
                + "$tag:work $anyvm deny,notify=no\n");
        Policy p = Policy.load(dir);
        assertThat(p.errors()).isEmpty();
        assertThat(p.rules()).extracting(Policy.RuleText::location, Policy.RuleText::text).containsExactly(
                tuple("include/svc:2", "test.Svc +x @anyvm @dispvm allow"),
                tuple("include/svc:3",
                        "test.Svc +x work personal ask default_target=personal"),
                tuple("include/svc:4", "test.Svc +x @tag:work @anyvm deny notify=no"));
        assertThat(eval(p, "work", "personal", "test.Svc+x")).isInstanceOf(Decision.Ask.class);
        assertThat(eval(p, "work", "personal", "test.Svc+y")).isInstanceOf(Decision.Deny.class);
        assertThat(eval(p, "work", "personal", "other.Svc+x")).isInstanceOf(Decision.Deny.class);
    }

    @Test
    void includeInsideAnOldFormatFileIsResolvedAgainstThePolicyFolderAsInQubes() {
        write(dir, "90-admin.policy", "!include-service admin.vm.List * include/ro\n");
        write(dir, "include/ro", "$include:include/rwx\n!include include/extra\n");
        write(dir, "include/rwx", "work dom0 allow,target=dom0\n");
        write(dir, "include/extra", "personal dom0 ask,target=dom0\n");
        Policy p = Policy.load(dir);
        assertThat(p.errors()).isEmpty();
        assertThat(p.rules()).extracting(Policy.RuleText::location).containsExactly("include/rwx:1", "include/extra:1");
        assertThat(eval(p, "work", "dom0", "admin.vm.List")).isInstanceOf(Decision.Allow.class);
    }

    @Test
    void oldFormatFileMayHoldOnlyRulesAndIncludes() {
        write(dir, "30-a.policy", "!include-service test.Svc * inc\n");
        write(dir, "inc", "!include-dir .\n!compat-4.0\n$anyvm\nwork personal allow extra\n"
                + "test.Svc * work personal allow\n");
        assertThat(errors(Policy.load(dir))).containsExactly(
                "inc:1:1: unknown directive \"!include-dir\" (a file in the old per-service format may only hold "
                        + "!include)",
                "inc:2:1: unknown directive \"!compat-4.0\" (a file in the old per-service format may only hold "
                        + "!include)",
                "inc:3:1: expected SOURCE TARGET ACTION[,PARAM=VALUE ...] (a file in the old per-service format), "
                        + "found 1 field",
                "inc:4:21: expected PARAM=VALUE, found \"extra\"",
                "inc:5:12: ACTION: expected allow, deny or ask, found \"work\"");
    }

    private String outside() throws IOException {
        return ": is outside " + dir.toRealPath() + " (includes must stay inside it)";
    }

    @Test
    void includeServiceCannotReadAFileOutsideThePolicyFolder() throws IOException {
        write(config, "secret", "work personal allow\n");
        write(dir, "30-a.policy", "!include-service test.Svc * /etc/shadow\n!include-service test.Svc * ../secret\n"
                + "!include ../secret\n!include-dir ..\n");
        Policy p = Policy.load(dir);
        assertThat(errors(p)).containsExactly(
                "30-a.policy:1:29: !include-service /etc/shadow" + outside(),
                "30-a.policy:2:29: !include-service " + config.resolve("secret") + outside(),
                "30-a.policy:3:10: !include " + config.resolve("secret") + outside(),
                "30-a.policy:4:14: !include-dir " + config + outside());
        assertThat(eval(p, "work", "personal", "test.Svc")).isInstanceOf(Decision.Deny.class);
    }

    @Test
    void includeCannotEscapeThePolicyFolderThroughASymlink() throws IOException {
        Path secret = write(config, "secret", "work personal allow\n");
        Files.createSymbolicLink(dir.resolve("inc-link"), secret);
        Files.createSymbolicLink(dir.resolve("dir-link"), config);
        Files.createDirectories(dir.resolve("conf.d"));
        Files.createSymbolicLink(dir.resolve("conf.d/10-link.policy"), secret);
        write(dir, "30-a.policy", "!include-service test.Svc * inc-link\n!include inc-link\n"
                + "!include-dir dir-link\n!include dir-link/secret\n!include-dir conf.d\n");
        assertThat(errors(Policy.load(dir))).containsExactly(
                "30-a.policy:1:29: !include-service inc-link" + outside(),
                "30-a.policy:2:10: !include inc-link" + outside(),
                "30-a.policy:3:14: !include-dir dir-link" + outside(),
                "30-a.policy:4:10: !include dir-link/secret" + outside(),
                "30-a.policy:5:14: !include-dir conf.d/10-link.policy" + outside());
    }

    @Test
    void oldFormatIncludeCannotLeaveThePolicyFolder() throws IOException {
        write(config, "secret", "work personal allow\n");
        write(dir, "30-a.policy", "!include-service test.Svc * inc\n");
        write(dir, "inc", "$include:../secret\n$include:/etc/passwd\n");
        assertThat(errors(Policy.load(dir))).containsExactly(
                "inc:1:10: !include " + config.resolve("secret") + outside(),
                "inc:2:10: !include /etc/passwd" + outside());
    }

    @Test
    void includeServiceCycleIsAnErrorNotAHang() {
        write(dir, "30-a.policy", "!include-service test.Svc * a\n");
        write(dir, "a", "$include:b\n");
        write(dir, "b", "!include a\n");
        assertThat(errors(Policy.load(dir))).singleElement().asString()
                .startsWith("b:1:10: !include a: include cycle: a -> b -> a");
    }

    @Test
    void includeServiceNestingIsBounded() {
        write(dir, "30-a.policy", "!include-service test.Svc * inc0\n");
        for (int i = 0; i < Loader.MAX_INCLUDE_DEPTH + 2; i++) {
            write(dir, "inc" + i, "!include inc" + (i + 1) + "\n");
        }
        assertThat(errors(Policy.load(dir))).singleElement().asString()
                .contains("includes nested deeper than " + Loader.MAX_INCLUDE_DEPTH);
    }

    @Test
    void oversizedIncludedServiceFileIsAnErrorNotRead() {
        write(dir, "30-a.policy", "!include-service test.Svc * big\n");
        write(dir, "big", "#".repeat(Loader.MAX_FILE_BYTES + 1));
        assertThat(errors(Policy.load(dir))).containsExactly(
                "30-a.policy:1:29: !include-service big: larger than " + Loader.MAX_FILE_BYTES + " bytes");
    }

    @Test
    void compatWithoutALegacyFolderAddsNothing() {
        write(dir, "35-compat.policy", "!compat-4.0\n");
        write(dir, "90-default.policy", "test.Svc * @anyvm @anyvm allow\n");
        Policy p = Policy.load(dir);
        assertThat(p.errors()).isEmpty();
        assertThat(p.rules()).hasSize(1);
        assertThat(PolicyLocation.legacyDirectory(dir)).isEqualTo(legacy.toAbsolutePath().normalize());
    }

    @Test
    void legacyFilesAreReadInQubesOrderWithTheImplicitDenyAfterFilesWithAnArgument() {
        write(dir, "35-compat.policy", "!compat-4.0\n");
        write(dir, "90-default.policy", "test.Svc * @anyvm @anyvm allow\n");
        write(legacy, "test.Svc", "work vault ask\n");
        write(legacy, "test.Svc+b", "work personal allow\n");
        write(legacy, "test.Svc+a", "$anyvm $dispvm allow\n");
        write(legacy, "a.Svc", "$include:include/a\n");
        write(legacy, "include/a", "work dom0 allow\n");
        for (String ignored : List.of(".test.Svc", "test.Svc.swp", "test.Svc.rpmsave", "test.Svc~", "bad name")) {
            write(legacy, ignored, "garbage\n");
        }
        Policy p = Policy.load(dir);
        assertThat(p.errors()).isEmpty();
        String l = legacy.toAbsolutePath().normalize() + "/";
        assertThat(p.rules()).extracting(r -> r.location().replace(l, "") + " " + r.text()).containsExactly(
                "include/a:1 a.Svc * work dom0 allow",
                "test.Svc+a:1 test.Svc +a @anyvm @dispvm allow",
                "test.Svc+a:0 test.Svc +a @anyvm @anyvm deny",
                "test.Svc+a:0 test.Svc +a @anyvm @adminvm deny",
                "test.Svc+b:1 test.Svc +b work personal allow",
                "test.Svc+b:0 test.Svc +b @anyvm @anyvm deny",
                "test.Svc+b:0 test.Svc +b @anyvm @adminvm deny",
                "test.Svc:1 test.Svc * work vault ask",
                "90-default.policy:1 test.Svc * @anyvm @anyvm allow");
        assertThat(eval(p, "work", "vault", "test.Svc+b")).isInstanceOf(Decision.Deny.class);
        assertThat(eval(p, "work", "vault", "test.Svc+c")).isInstanceOf(Decision.Ask.class);
        assertThat(eval(p, "work", "personal", "test.Svc+c")).isInstanceOf(Decision.Allow.class);
    }

    @Test
    void badLineInALegacyFileMakesEveryCallDeny() {
        write(dir, "35-compat.policy", "!compat-4.0\n");
        write(dir, "90-default.policy", "test.Svc * @anyvm @anyvm allow\n");
        write(legacy, "test.Svc", "work personal allow,autostart=maybe\n");
        Policy p = Policy.load(dir);
        assertThat(errors(p)).containsExactly(legacy.toAbsolutePath().normalize().resolve("test.Svc")
                + ":1:31: autostart: expected yes or no, found \"maybe\"");
        assertThat(eval(p, "work", "personal", "test.Svc")).isInstanceOf(Decision.Deny.class);
    }

    @Test
    void legacyFileNamedWithoutAServiceIsAnError() {
        write(dir, "35-compat.policy", "!compat-4.0\n");
        write(legacy, "+arg", "work personal allow\n");
        assertThat(errors(Policy.load(dir))).singleElement().asString()
                .contains("+arg: the name of a legacy policy file is SERVICE or SERVICE+ARGUMENT");
    }

    @Test
    void legacyFileCannotEscapeTheLegacyFolderThroughASymlink() throws IOException {
        Path secret = write(config, "secret", "work personal allow\n");
        Files.createDirectories(legacy);
        Files.createSymbolicLink(legacy.resolve("test.Svc"), secret);
        write(legacy, "other.Svc", "$include:../policy.d/x\n");
        write(dir, "x", "work personal allow\n");
        write(dir, "35-compat.policy", "!compat-4.0\n");
        assertThat(errors(Policy.load(dir))).containsExactly(
                legacy.resolve("other.Svc") + ":1:10: !include x: is outside " + legacy.toRealPath()
                        + " (includes must stay inside it)",
                "35-compat.policy:1:1: !compat-4.0 " + legacy.resolve("test.Svc") + ": is outside "
                        + legacy.toRealPath() + " (includes must stay inside it)");
    }

    @Test
    void legacyFolderThatIsAFileIsAnError() {
        write(config, PolicyLocation.LEGACY_DIRECTORY, "not a folder\n");
        write(dir, "35-compat.policy", "!compat-4.0\n");
        assertThat(errors(Policy.load(dir))).containsExactly(
                "35-compat.policy:1:1: !compat-4.0 " + legacy + ": not a folder");
    }

    @Test
    void newLegacyFileIsNoticedByTheReload() {
        write(dir, "35-compat.policy", "!compat-4.0\n");
        Policy before = Policy.load(dir);
        assertThat(before.isCurrent()).isTrue();
        write(legacy, "test.Svc", "work personal allow\n");
        assertThat(before.isCurrent()).isFalse();
        assertThat(eval(Policy.load(dir), "work", "personal", "test.Svc")).isInstanceOf(Decision.Allow.class);
    }
}
