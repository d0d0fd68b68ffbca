package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.agent.Caller;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.DomainFolder;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.sandbox.BwrapCheck;
import dev.airlock.testing.Await;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Real domains for integration tests: an airlock home in a temporary folder, a test policy, AppVMs in the registry
 * (labels do not matter), and the ways a test reaches them: {@code airlock run} through the admin socket, the
 * domains' homes as the host sees them, the packaged jar as a command. Skips the test when sandboxes cannot run
 * or {@code target/airlock.jar} is not built. The broker is the test's to start: in this process
 * ({@link #startBroker}) or as a child ({@link #airlock} {@code daemon}). Shared by the ITs of two packages, hence
 * public; it lives in the test tree only.
 */
public final class LiveDomains {
    /** What a command ended with. */
    public record Result(int code, String out, String err) {
    }

    private final AirlockHome home;
    private final Path install;
    private final Path config;
    private final Registry registry;

    private LiveDomains(AirlockHome home, Path install, Path config, Registry registry) {
        this.home = home;
        this.install = install;
        this.config = config;
        this.registry = registry;
    }

    /** The registry of this home. */
    public Registry registry() {
        return registry;
    }

    /** Registers {@code domains} (halted AppVMs) in a new home under {@code tmp}; {@code policy} is its only rules. */
    public static LiveDomains create(Path tmp, String policy, String... domains) throws IOException {
        Domain[] appVms = new Domain[domains.length];
        for (int i = 0; i < domains.length; i++) {
            appVms[i] = Domain.of(domains[i], DomainClass.APP_VM, Label.RED);
        }
        return create(tmp, policy, appVms);
    }

    /**
     * Registers {@code domains} (halted, each with its folder) in a new home under {@code tmp}, with {@code policy}
     * as the only rules.
     */
    public static LiveDomains create(Path tmp, String policy, Domain... domains) throws IOException {
        BwrapCheck.Result check = BwrapCheck.check();
        assumeTrue(check instanceof BwrapCheck.Ready, "sandboxes cannot run here: " + check.message());
        Path install = Path.of("target").toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(install.resolve("airlock.jar")), "target/airlock.jar is not built yet");
        // The domains' host users pass through the temporary folder to reach their homes and sockets.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        AirlockHome home = new AirlockHome(tmp.resolve("home"));
        Path config = tmp.resolve("config");
        Path policyDirectory = Files.createDirectories(config.resolve("policy.d"));
        Files.writeString(policyDirectory.resolve("30-test.policy"), policy);
        Registry registry = Registry.open(home.root());
        registry.update(d -> {
            var all = d;
            for (Domain domain : domains) {
                all = all.add(domain);
            }
            return all;
        });
        for (Domain domain : domains) {
            DomainFolder.create(registry.domainFolder(domain.name()));
        }
        return new LiveDomains(home, install, config, registry);
    }

    public AirlockHome home() {
        return home;
    }

    public Path policyDirectory() {
        return config.resolve("policy.d");
    }

    /** The settings of a broker in this process, deciding asks after {@code askTimeout}. */
    public Broker.Settings settings(Duration askTimeout) {
        return new Broker.Settings(home, policyDirectory(), install, Path.of(System.getProperty("java.home")),
                askTimeout);
    }

    /** A broker in this process, with the default ask timeout. */
    public Broker startBroker() throws IOException {
        return Broker.start(settings(Broker.DEFAULT_ASK_TIMEOUT));
    }

    /** Starts {@code domains} through the running broker. */
    public void start(String... domains) throws IOException {
        for (String name : domains) {
            new AdminClient(home).call(AdminClient.request("start").put("domain", name));
        }
    }

    /** The domain's home folder as the host sees it ({@code /home/user} inside). */
    public Path homeOf(String domain) {
        return registry.domainFolder(domain).resolve("home");
    }

    /** The socket on which the broker hears {@code domain}. */
    public Path socketOf(String domain) {
        return home.run().resolve("domains").resolve(domain).resolve("channel/agent.sock");
    }

    /** The pid of the domain's bubblewrap, from the pid file a broker keeps for the next one. */
    public long sandboxPid(String domain) throws IOException {
        return SandboxPidFile.read(SandboxPidFile.in(home.run().resolve("domains").resolve(domain)))
                .orElseThrow(() -> new IOException("no pid file of " + domain)).pid();
    }

    /** Installs an executable service of {@code domain} that runs {@code script} with {@code sh}. */
    public void service(String domain, String name, String script) throws IOException {
        Path folder = Files.createDirectories(registry.domainFolder(domain).resolve("qubes-rpc"));
        Path p = Files.writeString(folder.resolve(name), "#!/bin/sh\n" + script + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** {@code airlock run DOMAIN -- CMD...}, through the admin socket as the CLI does it. */
    public Result run(String domain, String stdin, String... command) throws IOException {
        return run(home, domain, stdin, command);
    }

    /** {@code airlock run DOMAIN -- CMD...} through the admin socket of the broker of {@code home}. */
    public static Result run(AirlockHome home, String domain, String stdin, String... command) throws IOException {
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

    /** {@code sh -c SCRIPT} in {@code domain}, in its home, with no input. */
    public Result sh(String domain, String script) throws IOException {
        return run(domain, "", "sh", "-c", script);
    }

    /** The domains whose agents are connected to the running broker, sorted. */
    public List<String> running() throws IOException {
        JsonNode answer = new AdminClient(home).call(AdminClient.request("running"));
        List<String> names = new ArrayList<>();
        answer.path("domains").forEach(n -> names.add(n.asText()));
        return names;
    }

    /** Waits up to {@code limit} until exactly {@code expected} run; returns what runs then. */
    public List<String> awaitRunning(List<String> expected, Duration limit) throws InterruptedException {
        return Await.last(limit, this::running, expected::equals);
    }

    /** The first call waiting for the user's answer ({@code airlock pending}); fails when none comes within 10 s. */
    public JsonNode waitingCall() throws InterruptedException {
        return Await.value(Await.DEFAULT_LIMIT, "a call waits for an answer",
                () -> new AdminClient(home).call(AdminClient.request("pending")).path("calls"),
                calls -> !calls.isEmpty()).get(0);
    }

    /** The name of the first disposable the broker keeps ready; fails when the pool stays empty for 30 s. */
    public String awaitPooled() throws InterruptedException {
        return Await.value(Duration.ofSeconds(30), "the pool holds a disposable",
                () -> new AdminClient(home).call(AdminClient.request("running")).path("pooled"),
                pooled -> !pooled.isEmpty()).get(0).asText();
    }

    /**
     * {@code airlock daemon} as a child process writing to {@code log}, once it answers; {@code started} learns of it
     * first, so that the test can stop it whatever happens next.
     */
    public Process daemon(Path log, Duration limit, Consumer<Process> started)
            throws IOException, InterruptedException {
        Process p = airlock("daemon").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.accept(p);
        AdminClient client = new AdminClient(home);
        assertThat(Await.within(limit, () -> client.isRunning() || !p.isAlive())).isTrue();
        assertThat(p.isAlive()).as("the broker runs; its log: %s", Files.readString(log)).isTrue();
        return p;
    }

    /**
     * The packaged {@code airlock} with {@code args}, as a user on the host runs it: this home
     * ({@code AIRLOCK_HOME}), this policy ({@code AIRLOCK_CONFIG}), no input.
     */
    public ProcessBuilder airlock(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", install.resolve("airlock.jar").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("AIRLOCK_HOME", home.root().toString());
        pb.environment().put("AIRLOCK_CONFIG", config.toString());
        return pb;
    }
}
