package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.LiveDomains;
import dev.airlock.broker.LiveDomains.Result;
import dev.airlock.broker.AirlockHome;
import dev.airlock.broker.Broker;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.DomainFolder;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;
import dev.airlock.sandbox.BwrapCheck;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code airlock open-in-dvm ./FILE} with a file of the host, end to end and without a display: the command reads the
 * file, the broker makes a disposable of the global default_dispvm, whose handler (the template's own
 * {@code ~/.config/airlock/open-handler}) edits it without a person, the edit replaces the host file, and the
 * disposable is gone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class HostOpenInDvmIT {
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

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        BwrapCheck.Result check = BwrapCheck.check();
        assumeTrue(check instanceof BwrapCheck.Ready, "sandboxes cannot run here: " + check.message());
        install = Path.of("target").toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(install.resolve("airlock.jar")), "target/airlock.jar is not built yet");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        home = new AirlockHome(tmp.resolve("home"));
        files = Files.createDirectories(tmp.resolve("host-files"));
        // No policy rule mentions dom0: the host's own call does not go through the policy.
        Path policy = Files.createDirectories(tmp.resolve("config/policy.d"));
        registry = Registry.open(home.root());
        registry.update(d -> d.add(Domain.of("default-dvm", DomainClass.APP_VM, Label.RED)
                .withTemplateForDispvms(true)).withDefaultDispvm("default-dvm"));
        DomainFolder.create(registry.domainFolder("default-dvm"));
        broker = Broker.start(new Broker.Settings(home, policy, install, Path.of(System.getProperty("java.home"))));
        Result setup = run("default-dvm", HANDLER, "sh", "-c", "mkdir -p .config/airlock && cat > "
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

    private Result run(String domain, String stdin, String... command) throws IOException {
        return LiveDomains.run(home, domain, stdin, command);
    }

    /** {@code airlock open-in-dvm ARGS...} as a user types it on the host, in the folder of the files. */
    private Result openInDvm(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", install.resolve("airlock.jar").toString(),
                "open-in-dvm"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(files.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("AIRLOCK_HOME", home.root().toString());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        return new Result(p.waitFor(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    private void assertGone(String disposable) throws Exception {
        for (int i = 0; i < 200 && registry.read(all -> all.get(disposable)).isPresent(); i++) {
            Thread.sleep(25);
        }
        String listed = registry.read(all -> all.get(disposable).map(Domain::name).orElse("gone"));
        assertThat(listed).isEqualTo("gone");
        assertThat(home.run().resolve("domains").resolve(disposable)).doesNotExist();
    }

    @Test
    void hostFileEditedInADisposableComesBackAtomicallyWithItsModeAndTheDisposableIsGone() throws Exception {
        Path f = Files.writeString(files.resolve("report.txt"), "a report");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        Result r = openInDvm("./report.txt");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("replaced by the edited version");
        String edited = Files.readString(f);
        assertThat(edited).matches("a report edited in disp[0-9]{1,4}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-r-----");
        try (var s = Files.list(files)) {
            List<String> names = s.map(p -> p.getFileName().toString()).toList();
            assertThat(names).as("no temporary file left").contains("report.txt")
                    .noneMatch(n -> n.startsWith(".airlock-open-"));
        }
        assertGone(edited.substring(edited.lastIndexOf(' ') + 1));
        String audit = Files.readString(home.auditLog());
        assertThat(audit).contains("dom0").contains("qubes.OpenInVM").contains("the host's own call");
        try (var s = Files.list(registry.domainFolder("default-dvm").resolve("home"))) {
            assertThat(s.map(p -> p.getFileName().toString())).as("the template never saw the file")
                    .containsExactly(".config");
        }
    }

    @Test
    void viewOnlyLeavesTheHostFileUntouchedAndTheDisposableIsGone() throws Exception {
        Path f = Files.writeString(files.resolve("notes.txt"), "notes");
        Object inode = Files.getAttribute(f, "unix:ino");
        Result r = openInDvm("--view-only", "notes.txt");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(f)).isEqualTo("notes");
        assertThat(Files.getAttribute(f, "unix:ino")).isEqualTo(inode);
        Matcher m = Pattern.compile("(disp[0-9]{1,4}) of default-dvm").matcher(Files.readString(home.auditLog()));
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        assertThat(last).isNotNull();
        assertGone(last);
    }

    @Test
    void withoutAnyDefaultDisposableTemplateTheErrorSaysWhatToRun() throws Exception {
        Path f = Files.writeString(files.resolve("first.txt"), "first");
        registry.update(d -> d.withDefaultDispvm(null));
        try {
            Result r = openInDvm("first.txt");
            assertThat(r.code()).isEqualTo(125);
            assertThat(r.err()).contains("airlock demo").contains("airlock prefs --global default_dispvm")
                    .doesNotContain("Exception");
            assertThat(Files.readString(f)).isEqualTo("first");
        } finally {
            registry.update(d -> d.withDefaultDispvm("default-dvm"));
        }
    }
}
