package dev.airlock.policy;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

import static dev.airlock.policy.TestDomains.domain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * A policy folder shaped like a Qubes 4.2 dom0's {@code /etc/qubes/policy.d} (src/test/resources/policy/qubes-4.2-dom0)
 * loads unchanged and decides calls as the Qubes documentation and its shipped files say.
 */
class QubesDom0PolicyTest {

    /** The qubes of a small Qubes system; "managed" carries the tags the admin include files name. */
    static final DomainView QUBES = DomainView.of(List.of(
            DomainFacts.host(),
            domain("work", "AppVM", Set.of(), true, "default-dvm", false, null),
            domain("personal", "AppVM", Set.of(), false, "default-dvm", false, null),
            domain("vault", "AppVM", Set.of(), true, null, false, null),
            domain("untrusted", "AppVM", Set.of("untrusted"), true, "default-dvm", false, null),
            domain("default-dvm", "AppVM", Set.of(), false, "default-dvm", true, null),
            domain("fedora-40", "TemplateVM", Set.of(), false, null, false, null),
            domain("whonix-gw-17", "TemplateVM", Set.of("whonix-updatevm"), false, null, false, null),
            domain("sys-net", "AppVM", Set.of(), true, "default-dvm", false, null),
            domain("sys-whonix", "AppVM", Set.of(), true, "default-dvm", false, null),
            domain("sys-usb", "AppVM", Set.of(), true, "default-dvm", false, null),
            domain("gpg-vault", "AppVM", Set.of(), true, null, false, null),
            domain("mgmt", "AppVM", Set.of("mgmt"), true, "default-dvm", false, null),
            domain("monitor", "AppVM", Set.of(), true, "default-dvm", false, null),
            domain("managed", "AppVM", Set.of("managed", "watched"), true, "default-dvm", false, null)));

    @TempDir
    Path config;

    private Path policyDir;

    static Path fixture() {
        try {
            return Path.of(Objects.requireNonNull(
                    QubesDom0PolicyTest.class.getResource("/policy/qubes-4.2-dom0")).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static void copyTree(Path from, Path to) {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeEach
    void copyFixture() {
        policyDir = config.resolve("policy.d");
        copyTree(fixture().resolve("policy.d"), policyDir);
    }

    private Policy load() {
        Policy p = Policy.load(policyDir);
        assertThat(p.errors()).isEmpty();
        return p;
    }

    /** The decision in one word, with the target, the offered targets and the preselection where they apply. */
    private static String verdict(Decision d) {
        return switch (d) {
            case Decision.Allow a -> "allow " + a.target();
            case Decision.Deny n -> "deny";
            case Decision.Ask a -> "ask " + String.join("/", a.targetsForAsk()) + " default="
                    + (a.defaultTarget() == null ? "none" : a.defaultTarget());
        };
    }

    private static final String EVERYONE_BUT = "@dispvm:default-dvm/default-dvm/fedora-40/gpg-vault/managed/mgmt/"
            + "monitor/personal/sys-net/sys-usb/sys-whonix/untrusted/vault/whonix-gw-17/work";

    @ParameterizedTest(name = "{0} -> {1} {2}: {3}")
    @CsvSource(delimiter = '|', textBlock = """
            work         | personal   | qubes.Filecopy             | allow personal
            untrusted    | work       | qubes.Filecopy             | deny
            vault        | personal   | qubes.Filecopy             | deny
            vault        | work       | qubes.Filecopy             | deny
            work         | @dispvm    | qubes.OpenInVM             | ask @dispvm:default-dvm/default-dvm/fedora-40/gpg-vault/managed/mgmt/monitor/personal/sys-net/sys-usb/sys-whonix/untrusted/vault/whonix-gw-17 default=@dispvm:default-dvm
            personal     | @dispvm    | qubes.OpenInVM             | allow @dispvm:default-dvm
            personal     | work       | qubes.OpenInVM             | ask @dispvm:default-dvm/default-dvm/fedora-40/gpg-vault/managed/mgmt/monitor/sys-net/sys-usb/sys-whonix/untrusted/vault/whonix-gw-17/work default=work
            personal     | vault      | qubes.OpenURL              | ask @dispvm:default-dvm/default-dvm/fedora-40/gpg-vault/managed/mgmt/monitor/sys-net/sys-usb/sys-whonix/untrusted/vault/whonix-gw-17/work default=vault
            fedora-40    | @default   | qubes.UpdatesProxy         | allow sys-net
            whonix-gw-17 | @default   | qubes.UpdatesProxy         | allow sys-whonix
            whonix-gw-17 | sys-net    | qubes.UpdatesProxy         | deny
            work         | @default   | qubes.UpdatesProxy         | deny
            work         | dom0       | qubes.GetDate              | deny
            work         | @default   | qubes.GetDate              | allow dom0
            work         | @adminvm   | qubes.FeaturesRequest      | allow dom0
            work         | personal   | qubes.ConnectTCP+22        | deny
            work         | @dispvm    | qubes.VMShell              | allow @dispvm:default-dvm
            work         | personal   | qubes.VMShell              | deny
            work         | personal   | qubes.VMExec+ls            | deny
            work         | @default   | qubes.Notifications        | allow dom0
            sys-usb      | dom0       | qubes.InputMouse           | allow dom0
            sys-usb      | dom0       | qubes.InputKeyboard        | ask dom0 default=dom0
            sys-usb      | dom0       | qubes.InputTablet          | deny
            work         | dom0       | qubes.InputKeyboard        | deny
            personal     | dom0       | policy.RegisterArgument+x  | deny
            mgmt         | dom0       | admin.vm.List              | allow dom0
            mgmt         | managed    | admin.vm.Start             | allow dom0
            mgmt         | work       | admin.vm.Start             | deny
            monitor      | managed    | admin.vm.List              | allow dom0
            monitor      | managed    | admin.vm.Start             | deny
            monitor      | dom0       | admin.property.Get         | allow dom0
            mgmt         | dom0       | admin.property.Get         | ask dom0 default=dom0
            mgmt         | dom0       | admin.property.Set         | ask dom0 default=dom0
            monitor      | dom0       | admin.property.Set         | deny
            mgmt         | dom0       | policy.Replace             | deny
            mgmt         | dom0       | policy.Get                 | deny
            work         | dom0       | admin.vm.property.GetAll   | deny
            """)
    void decidesAsQubesDocuments(String source, String target, String call, String expected) {
        assertThat(verdict(load().evaluate(Request.of(source, target, call), QUBES))).isEqualTo(expected);
    }

    @Test
    void copyAskOffersEveryQubeButTheCallerWithoutPreselection() {
        Decision d = load().evaluate(Request.of("personal", "@default", "qubes.Filecopy"), QUBES);
        assertThat(verdict(d)).isEqualTo("ask " + EVERYONE_BUT.replace("personal/", "") + " default=none");
    }

    @Test
    void missingLegacyFolderAddsNoRules() {
        assertThat(load().rules()).noneMatch(r -> r.file().contains(PolicyLocation.LEGACY_DIRECTORY));
    }

    @Test
    void allowAutostartNoToAHaltedQubeIsDeniedWithoutNotificationAsInQubes() {
        Decision.Deny d = (Decision.Deny) load().evaluate(Request.of("vault", "personal", "qubes.Filecopy"), QUBES);
        assertThat(d.reason()).contains("30-user.policy:7").contains("personal would have to be started");
        assertThat(d.rule().location()).isEqualTo("30-user.policy:7");
        assertThat(d.notifyUser()).isFalse();
    }

    @Test
    void deniedAdminCallWithNotifyNoIsNotNotified() {
        Decision.Deny d = (Decision.Deny) load().evaluate(
                Request.of("work", "dom0", "admin.vm.property.GetAll"), QUBES);
        assertThat(d.notifyUser()).isFalse();
    }

    @Test
    void includeServiceRulesCarryTheServiceAndTheFileTheyCameFrom() {
        assertThat(load().rulesFor("admin.vm.List", null)).extracting(Policy.RuleText::location, Policy.RuleText::text)
                .containsExactly(
                        tuple("85-admin-backup-restore.policy:3",
                                "admin.vm.List * @tag:backup-restore-mgmt dom0 allow target=dom0"),
                        tuple("85-admin-backup-restore.policy:4",
                                "admin.vm.List * @tag:backup-restore-mgmt @anyvm allow target=dom0"),
                        tuple("include/admin-local-rwx:5",
                                "admin.vm.List * @tag:mgmt @tag:managed allow target=dom0"),
                        tuple("include/admin-local-rwx:6",
                                "admin.vm.List * @tag:mgmt @adminvm allow target=dom0"),
                        tuple("include/admin-local-ro:7",
                                "admin.vm.List * monitor @tag:watched allow target=dom0"));
    }

    /** An R4.0 per-service folder left over from an upgrade, read through 35-compat.policy's !compat-4.0. */
    @ParameterizedTest(name = "{0} -> {1} {2}: {3}")
    @CsvSource(delimiter = '|', textBlock = """
            personal | work      | qubes.Filecopy      | ask @dispvm:default-dvm/default-dvm/fedora-40/gpg-vault/managed/mgmt/monitor/sys-net/sys-usb/sys-whonix/untrusted/vault/whonix-gw-17/work default=@dispvm:default-dvm
            work     | personal  | qubes.Filecopy      | allow personal
            work     | gpg-vault | qubes.Gpg+sign      | allow gpg-vault
            personal | gpg-vault | qubes.Gpg+sign      | ask gpg-vault default=gpg-vault
            personal | work      | qubes.Gpg+sign      | deny
            personal | dom0      | qubes.Gpg+sign      | deny
            personal | gpg-vault | qubes.Gpg+encrypt   | ask gpg-vault default=gpg-vault
            personal | work      | qubes.Gpg+encrypt   | deny
            mgmt     | dom0      | admin.vm.List       | allow dom0
            """)
    void legacyFolderIsReadLikeQubesR40(String source, String target, String call, String expected) {
        copyTree(fixture().resolve("legacy-r4.0"), config.resolve(PolicyLocation.LEGACY_DIRECTORY));
        assertThat(verdict(load().evaluate(Request.of(source, target, call), QUBES))).isEqualTo(expected);
    }

    @Test
    void legacyFilesComeInQubesOrderWithTheImplicitDenyAfterAnArgumentOnly() {
        copyTree(fixture().resolve("legacy-r4.0"), config.resolve(PolicyLocation.LEGACY_DIRECTORY));
        Path legacy = config.resolve(PolicyLocation.LEGACY_DIRECTORY).toAbsolutePath().normalize();
        Policy p = load();
        List<String> compat = p.rules().stream().filter(r -> r.file().startsWith(legacy.toString()))
                .map(r -> legacy.relativize(Path.of(r.file())) + ":" + r.line() + " " + r.text()).toList();
        assertThat(compat).containsExactly(
                "include/admin-local-ro:1 admin.vm.List * mgmt @adminvm allow target=dom0",
                "qubes.Filecopy:2 qubes.Filecopy * @anyvm @anyvm ask default_target=@dispvm",
                "qubes.Gpg+sign:1 qubes.Gpg +sign work gpg-vault allow",
                "qubes.Gpg+sign:2 qubes.Gpg +sign @anyvm gpg-vault ask default_target=gpg-vault",
                "qubes.Gpg+sign:0 qubes.Gpg +sign @anyvm @anyvm deny",
                "qubes.Gpg+sign:0 qubes.Gpg +sign @anyvm @adminvm deny",
                "qubes.Gpg:1 qubes.Gpg * @anyvm gpg-vault ask");
        assertThat(p.rules().stream().map(Policy.RuleText::file)).noneMatch(f -> f.endsWith(".rpmnew"));
    }
}
