package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.agent.Caller;
import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.broker.Broker;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.DomainFolder;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.sandbox.BwrapCheck;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code airlock open-in-dvm work:FILE} on the host, end to end: {@code qvm-open-in-dvm} runs in work, the policy
 * sends {@code qubes.OpenInVM} to a new disposable of work's {@code default_dispvm}, whose handler (in the
 * template's home) edits the file, the edit comes back to work, and the disposable is gone. Needs the in-domain
 * {@code qvm-open-in-dvm} (issue 5, openinvm branch): skipped until the domains have it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class OpenInDvmIT {
    private static final String HANDLER = """
            #!/bin/sh
            chmod u+w "$1"
            printf ' edited in %s' "$(hostname)" >> "$1"
            """;

    private AirlockHome home;
    private Path install;
    private Registry registry;
    private Broker broker;

    private record Result(int code, String out, String err) {
    }

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        BwrapCheck.Result check = BwrapCheck.check();
        assumeTrue(check instanceof BwrapCheck.Ready, "sandboxes cannot run here: " + check.message());
        install = Path.of("target").toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(install.resolve("airlock.jar")), "target/airlock.jar is not built yet");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        home = new AirlockHome(tmp.resolve("home"));
        Path policy = Files.createDirectories(tmp.resolve("config/policy.d"));
        Files.writeString(policy.resolve("30-test.policy"), "qubes.OpenInVM * work @dispvm allow\n");
        registry = Registry.open(home.root());
        registry.update(d -> d.add(Domain.of("dvm", DomainClass.APP_VM, Label.GRAY).withTemplateForDispvms(true))
                .add(Domain.of("work", DomainClass.APP_VM, Label.RED).withDefaultDispvm("dvm")));
        DomainFolder.create(registry.domainFolder("work"));
        DomainFolder.create(registry.domainFolder("dvm"));
        broker = Broker.start(new Broker.Settings(home, policy, install, Path.of(System.getProperty("java.home"))));
        // The handler is the template's own file, written inside it, as a person sets a template up.
        Result setup = run("dvm", HANDLER, "sh", "-c", "mkdir -p .config/airlock && cat > .config/airlock/open-handler"
                + " && chmod 700 .config/airlock/open-handler");
        assertThat(setup.code()).as(setup.err()).isZero();
        new AdminClient(home).call(AdminClient.request("shutdown").put("domain", "dvm"));
        assertThat(run("work", "", "sh", "-c", "printf 'a report' > report.txt").code()).isZero();
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private Result run(String domain, String stdin, String... command) throws IOException {
        var request = AdminClient.request("run").put("domain", domain);
        var argv = request.putArray("argv");
        for (String c : command) {
            argv.add(c);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (SocketChannel ch = new AdminClient(home).openStream(request)) {
            int code = Caller.exchange(ch, new MessageReader(ch),
                    new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }

    /** {@code airlock open-in-dvm ARGS...} as a user types it on the host. */
    private Result openInDvm(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", install.resolve("airlock.jar").toString(),
                "open-in-dvm"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("AIRLOCK_HOME", home.root().toString());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        return new Result(p.waitFor(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void fileOpenedFromTheHostIsEditedInADisposableThatIsGoneAfterwards() throws Exception {
        Result r = openInDvm("work:report.txt");
        assertThat(r.code()).as(r.err()).isZero();
        String edited = run("work", "", "cat", "report.txt").out();
        assertThat(edited).matches("a report edited in disp[0-9]{1,4}");
        String disposable = edited.substring(edited.lastIndexOf(' ') + 1);
        // Destroyed when its call ended: neither in the registry nor running, and the template never saw the file.
        for (int i = 0; i < 200 && registry.read(all -> all.get(disposable)).isPresent(); i++) {
            Thread.sleep(25);
        }
        String listed = registry.read(all -> all.get(disposable).map(Domain::name).orElse("gone"));
        assertThat(listed).isEqualTo("gone");
        assertThat(home.run().resolve("domains").resolve(disposable)).doesNotExist();
        try (var files = Files.list(registry.domainFolder("dvm").resolve("home"))) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly(".config");
        }
    }

    @Test
    void viewOnlyKeepsTheFileAsItWas() throws Exception {
        assertThat(run("work", "", "sh", "-c", "printf 'notes' > notes.txt").code()).isZero();
        Result r = openInDvm("--view-only", "work:notes.txt");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(run("work", "", "cat", "notes.txt").out()).isEqualTo("notes");
    }

    @Test
    void missingFileIsAnErrorFromInsideTheDomain() throws Exception {
        Result r = openInDvm("work:no-such-file.txt");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("no-such-file.txt").doesNotContain("Exception");
    }
}
