package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.broker.Broker;
import dev.airlock.broker.LiveDomains;
import dev.airlock.broker.LiveDomains.Result;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.DomainFolder;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;
import dev.airlock.menu.AppEntry;
import dev.airlock.sandbox.BwrapCheck;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file-manager actions end to end: {@code airlock desktop install} in a temporary home writes the Nautilus
 * script, which, run as Nautilus runs it (the file's name as its argument, in the file's folder), opens the host file
 * in a new disposable of the global default_dispvm; the disposable's handler edits it and the edit comes back. And
 * {@code airlock desktop install --domain work} writes the domain's own actions inside the domain.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(240)
class DesktopActionsIT {
    private static final String HANDLER = """
            #!/bin/sh
            chmod u+w "$1"
            printf ' edited in %s' "$(hostname)" >> "$1"
            """;

    private AirlockHome home;
    private Path install;
    private Registry registry;
    private Broker broker;
    private Path files;
    private Path user;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        BwrapCheck.Result check = BwrapCheck.check();
        assumeTrue(check instanceof BwrapCheck.Ready, "sandboxes cannot run here: " + check.message());
        install = Path.of("target").toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(install.resolve("airlock.jar")), "target/airlock.jar is not built yet");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        home = new AirlockHome(tmp.resolve("home"));
        files = Files.createDirectories(tmp.resolve("host-files"));
        user = Files.createDirectories(tmp.resolve("user"));
        Path policy = Files.createDirectories(tmp.resolve("config/policy.d"));
        registry = Registry.open(home.root());
        registry.update(d -> d.add(Domain.of("default-dvm", DomainClass.APP_VM, Label.RED)
                .withTemplateForDispvms(true)).add(Domain.of("work", DomainClass.APP_VM, Label.BLUE))
                .withDefaultDispvm("default-dvm"));
        DomainFolder.create(registry.domainFolder("default-dvm"));
        DomainFolder.create(registry.domainFolder("work"));
        broker = Broker.start(new Broker.Settings(home, policy, install, Path.of(System.getProperty("java.home"))));
        Result setup = LiveDomains.run(home, "default-dvm", HANDLER, "sh", "-c", "mkdir -p .config/airlock && cat > "
                + ".config/airlock/open-handler && chmod 700 .config/airlock/open-handler");
        assertThat(setup.code()).as(setup.err()).isZero();
        new AdminClient(home).call(AdminClient.request("shutdown").put("domain", "default-dvm"));
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    /** Runs {@code argv} as the desktop user would: their temporary home, this test's airlock home. */
    private Result run(Path dir, List<String> argv) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("XDG_") || k.equals("DISPLAY") || k.equals("WAYLAND_DISPLAY")
                || k.equals(Launcher.ENV));
        env.put("HOME", user.toString());
        env.put("AIRLOCK_HOME", home.root().toString());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        return new Result(p.waitFor(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }

    private Result airlock(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", install.resolve("airlock.jar").toString()));
        cmd.addAll(List.of(args));
        return run(files, cmd);
    }

    @Test
    void theNautilusScriptOpensItsHostFileInADisposableAndTheEditComesBack() throws Exception {
        Result installed = airlock("desktop", "install");
        assertThat(installed.code()).as(installed.err()).isZero();
        Path script = user.resolve(".local/share/nautilus/scripts/Open in disposable");
        assertThat(installed.out()).contains("wrote " + script);
        Result again = airlock("desktop", "install");
        assertThat(again.out()).contains("Already installed: nothing changed.");

        // A name that is an option, holds quotes and spaces, and reads like DOMAIN:PATH.
        String name = "-work:it's \"the\" report.txt";
        Path f = Files.writeString(files.resolve(name), "a report");
        Result r = run(files, List.of(script.toString(), name));
        assertThat(r.code()).as(r.err()).isZero();
        String edited = Files.readString(f);
        assertThat(edited).matches("a report edited in disp[0-9]{1,4}");
        String audit = Files.readString(home.auditLog());
        assertThat(audit).contains("qubes.OpenInVM").contains("dom0");

        Path view = user.resolve(".local/share/nautilus/scripts/View in disposable");
        Result viewed = run(files, List.of(view.toString(), name));
        assertThat(viewed.code()).as(viewed.err()).isZero();
        assertThat(Files.readString(f)).as("view only").isEqualTo(edited);

        Result removed = airlock("desktop", "uninstall");
        assertThat(removed.code()).as(removed.err()).isZero();
        assertThat(removed.out()).contains("removed " + script);
        assertThat(script).doesNotExist();
    }

    @Test
    void installForADomainWritesItsActionsInsideTheDomainThroughTheBroker() throws Exception {
        Result installed = airlock("desktop", "install", "--domain", "work");
        assertThat(installed.code()).as(installed.out() + installed.err()).isZero();
        assertThat(installed.out()).contains("wrote /home/user/.local/share/nautilus/scripts/Send to VM");
        Result listed = LiveDomains.run(home, "work", "", "sh", "-c",
                "ls .local/share/nautilus/scripts; grep -c airlock-send-to-vm .config/Thunar/uca.xml");
        assertThat(listed.out().lines().toList()).containsExactly("Move to VM", "Open in DVM", "Send to VM",
                "View in DVM", "1");
        Result again = airlock("desktop", "install", "--domain", "work");
        assertThat(again.out()).contains("Already installed: nothing changed.");
        Result removed = airlock("desktop", "uninstall", "--domain", "work");
        assertThat(removed.code()).as(removed.err()).isZero();
        Result after = LiveDomains.run(home, "work", "", "sh", "-c", "ls -A .local/share/nautilus/scripts");
        assertThat(after.out()).isEmpty();
    }

    @Test
    void aMenuEntryOfADomainsApplicationRunsItInsideTheDomain() throws Exception {
        // work's own application, in its home; and a link there to a host file, which must not be read.
        Path secret = Files.writeString(user.resolve("host-secret.desktop"),
                "[Desktop Entry]\nType=Application\nName=Host secret\nExec=secret\n");
        Result planted = LiveDomains.run(home, "work", "", "sh", "-c", "mkdir -p .local/share/applications && "
                + "printf '[Desktop Entry]\\nType=Application\\nName=Marker\\nExec=touch ran-from-menu %%U\\n' "
                + "> .local/share/applications/marker.desktop && ln -s " + secret
                + " .local/share/applications/stolen.desktop");
        assertThat(planted.code()).as(planted.err()).isZero();
        Result sync = airlock("menu", "sync", "work", "--add", "marker");
        assertThat(sync.code()).as(sync.err()).isZero();
        assertThat(sync.out()).contains("  marker  Marker").doesNotContain("Host secret");
        assertThat(sync.err()).contains("stolen.desktop").contains("link");
        assertThat(airlock("menu", "ls").out()).contains("work  marker  [work] Marker");

        Path entry = user.resolve(".local/share/applications/airlock-work-marker.desktop");
        AppEntry parsed = AppEntry.parse("entry", Files.readAllBytes(entry));
        assertThat(parsed.name()).isEqualTo("[work] Marker");
        Result ran = run(files, parsed.argv());
        assertThat(ran.code()).as(ran.err()).isZero();
        assertThat(registry.domainFolder("work").resolve("home/ran-from-menu")).exists();
        assertThat(files.resolve("ran-from-menu")).as("never on the host").doesNotExist();

        Result removed = airlock("menu", "remove", "work", "marker");
        assertThat(removed.code()).as(removed.err()).isZero();
        assertThat(entry).doesNotExist();
    }
}
