package dev.airlock.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The commands as a user and a script meet them: exit codes, messages, and real processes joined by pipes. */
@Timeout(60)
class CliTest {
    private static InProcess run(String... args) {
        return InProcess.run(args);
    }

    @Test
    void daemonHelpDoesNotPromiseThatDisposablesOutliveABrokerThatDied() {
        String help = run("daemon", "--help").out().replaceAll("\\s+", " ");
        assertThat(help).contains("the next one adopts them, except its disposables, which it destroys");
    }

    @Test
    void badUsageExitsTwoWithAnErrorLineAndHelp() {
        for (String[] args : List.of(new String[] {"copy-local"}, new String[] {"copy-local", "only-one"},
                new String[] {"qfile-agent", "--progress=fancy", "x"},
                new String[] {"qfile-unpacker", "--max-bytes", "lots", "/tmp/x"},
                new String[] {"qfile-unpacker", "--max-bytes", "-5", "/tmp/x"},
                new String[] {"no-such-command"})) {
            InProcess r = run(args);
            assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err()).startsWith("ERROR: ").contains("Usage:");
        }
    }

    @Test
    void failedCopyPrintsOneErrorLineNotAStackTrace(@TempDir Path tmp) {
        InProcess r = run("copy-local", "--progress=none", tmp.resolve("missing").toString(), tmp.resolve("d").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("ERROR: ").contains("\"missing\": it does not exist")
                .doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void copyLocalRefusesUnsafeLinksBeforeSendingAnything(@TempDir Path tmp) throws IOException {
        Path src = Files.createDirectories(tmp.resolve("s"));
        Files.createSymbolicLink(src.resolve("escape"), Path.of("../../etc/passwd"));
        InProcess r = run("copy-local", "--progress=none", src.toString(), tmp.resolve("d").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("escape -> ../../etc/passwd").contains("--ignore-symlinks");
        assertThat(tmp.resolve("d")).doesNotExist();
        InProcess skipped = run("copy-local", "--progress=none", "--ignore-symlinks", src.toString(),
                tmp.resolve("d").toString());
        assertThat(skipped.code()).isZero();
        assertThat(tmp.resolve("d/s")).isEmptyDirectory();
    }

    @Test
    void agentRefusesLinksTheReceiverWouldRefuseBeforeSendingAnything(@TempDir Path tmp) throws IOException {
        Path src = Files.createDirectories(tmp.resolve("s"));
        Files.createSymbolicLink(src.resolve("up"), Path.of("../../x"));
        InProcess r = run("qfile-agent", "--progress=none", src.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("ERROR: nothing was sent").contains("up -> ../../x");
    }

    @Test
    void policyEvalTakesDomainFactsFromTheRegistry(@TempDir Path tmp) throws Exception {
        var registry = dev.airlock.domain.Registry.open(tmp.resolve("home"));
        registry.update(d -> d.add(dev.airlock.domain.Domain.of("work", dev.airlock.domain.DomainClass.APP_VM,
                dev.airlock.domain.Label.BLUE)).add(dev.airlock.domain.Domain.of("personal",
                dev.airlock.domain.DomainClass.APP_VM, dev.airlock.domain.Label.GREEN)));
        ProcessBuilder pb = java("policy", "eval", "--json", "work", "personal", "qubes.Filecopy");
        pb.environment().put("AIRLOCK_HOME", tmp.resolve("home").toString());
        pb.environment().put("AIRLOCK_CONFIG", tmp.resolve("config").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(waitFor(p)).as(stderr(p)).isZero();
        assertThat(out).contains("\"result\":\"ask\"").contains("\"targets_for_ask\":[\"personal\"]");
    }

    @Test
    void upStartsOneBrokerAndDownStopsIt(@TempDir Path tmp) throws Exception {
        Path home = tmp.resolve("home");
        String[] up = {"up"};
        Process first = withHome(java(up), home).start();
        assertThat(waitFor(first)).as(stderr(first)).isZero();
        Process again = withHome(java(up), home).start();
        assertThat(waitFor(again)).isZero();
        assertThat(stderr(again)).contains("already running");
        assertThat(new dev.airlock.broker.AdminClient(new dev.airlock.broker.AirlockHome(home)).isRunning())
                .as("the broker outlives the command that started it").isTrue();
        Process down = withHome(java("down"), home).start();
        assertThat(waitFor(down)).as(stderr(down)).isZero();
        assertThat(new dev.airlock.broker.AdminClient(new dev.airlock.broker.AirlockHome(home)).isRunning()).isFalse();
        Process downAgain = withHome(java("down"), home).start();
        assertThat(waitFor(downAgain)).isZero();
        assertThat(stderr(downAgain)).contains("not running");
    }

    private static ProcessBuilder withHome(ProcessBuilder pb, Path home) {
        pb.environment().put("AIRLOCK_HOME", home.toString());
        return pb;
    }

    @Test
    void bytesProgressPrintsCumulativeCountsOnePerLine(@TempDir Path tmp) throws Exception {
        Path f = Files.write(tmp.resolve("f"), new byte[3_000_000]);
        Process p = java("copy-local", "--progress=bytes", f.toString(), tmp.resolve("d").toString())
                .redirectErrorStream(false).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(waitFor(p)).isZero();
        List<Long> counts = new ArrayList<>();
        for (String line : err.lines().toList()) {
            if (line.matches("\\d+")) {
                counts.add(Long.parseLong(line));
            }
        }
        assertThat(counts).isSorted().first().isEqualTo(0L);
        assertThat(counts).last().isEqualTo(3_000_000L);
    }

    @Test
    void agentAndUnpackerInSeparateProcessesInteroperate(@TempDir Path tmp) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("payload/sub"));
        Files.writeString(src.resolve("note.txt"), "from another process");
        Path toUnpacker = tmp.resolve("stream.fifo");
        Path toAgent = tmp.resolve("reply.fifo");
        assertThat(new ProcessBuilder("mkfifo", toUnpacker.toString(), toAgent.toString()).start().waitFor()).isZero();

        // The shell opens the FIFOs in the children; opened here, the first open would block this thread for good.
        String unpacker = shellWords(java("qfile-unpacker", tmp.resolve("incoming").toString()).command());
        String agent = shellWords(java("qfile-agent", "--progress=none", tmp.resolve("payload").toString()).command());
        Process both = new ProcessBuilder("bash", "-c", unpacker + " <" + toUnpacker + " >" + toAgent
                + " & u=$!; " + agent + " >" + toUnpacker + " <" + toAgent + "; a=$?; wait $u; echo \"$a $?\"")
                .start();

        String codes = new String(both.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(waitFor(both)).isZero();
        assertThat(codes).as(stderr(both)).isEqualTo("0 0");
        assertThat(tmp.resolve("incoming/payload/sub/note.txt")).hasContent("from another process");
    }

    @Test
    void unpackerProcessRepliesLikeQubesAndExplainsARefusal(@TempDir Path tmp) throws Exception {
        Path fixture = fixtures().resolve("badlink");
        Process p = java("qfile-unpacker", tmp.resolve("in").toString())
                .redirectInput(fixture.resolve("stream.bin").toFile()).start();
        byte[] reply = p.getInputStream().readAllBytes();
        // Qubes' unpacker exits with the error code itself: ENOLINK, 67.
        assertThat(waitFor(p)).isEqualTo(67);
        assertThat(reply).isEqualTo(Files.readAllBytes(fixture.resolve("reply.bin")));
        assertThat(stderr(p)).startsWith("ERROR: ").contains("../../outside.txt");
    }

    @Test
    void unpackerExitStatusIsTheErrorCodesLowByteAsInQubes(@TempDir Path tmp) throws Exception {
        byte[] stream = Files.readAllBytes(fixtures().resolve("single/stream.bin"));
        Path cut = Files.write(tmp.resolve("cut.bin"), java.util.Arrays.copyOf(stream, 32 + 3));
        Process p = java("qfile-unpacker", tmp.resolve("in").toString()).redirectInput(cut.toFile()).start();
        p.getInputStream().readAllBytes();
        // A stream cut inside a name: LEGAL_EOF (31415926), whose low byte is 118.
        assertThat(waitFor(p)).as(stderr(p)).isEqualTo(118);

        Files.writeString(tmp.resolve("in/hello.txt"), "already here");
        Process again = java("qfile-unpacker", tmp.resolve("in").toString())
                .redirectInput(fixtures().resolve("single/stream.bin").toFile()).start();
        again.getInputStream().readAllBytes();
        assertThat(waitFor(again)).as(stderr(again)).isEqualTo(17);
        assertThat(tmp.resolve("in/hello.txt")).hasContent("already here");
    }

    @Test
    void unprivilegedReceiverLinksFilesThroughProcAndMatchesQubes(@TempDir Path tmp) throws Exception {
        // As root the receiver names files with linkat(AT_EMPTY_PATH); an ordinary user cannot, and goes through
        // /proc/self/fd under Landlock. InProcess the receiver as nobody to take that path.
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name"))
                && new java.io.File("/usr/bin/setpriv").canExecute(), "needs root and setpriv to become nobody");
        Path world = Files.createDirectories(tmp.resolve("world"));
        List<String> classpath = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path from = Path.of(entry);
            Path to = world.resolve("cp" + i++ + (Files.isDirectory(from) ? "" : ".jar"));
            try (var all = Files.walk(from)) {
                for (Path p : all.toList()) {
                    Files.copy(p, to.resolve(from.relativize(p).toString()),
                            java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
            classpath.add(to.toString());
        }
        // nobody reads the copied classes, passes through the folders, and writes only into dest.
        try (var all = Files.walk(world)) {
            for (Path p : all.toList()) {
                Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dest = Files.createDirectories(world.resolve("dest"));
        Files.setPosixFilePermissions(dest, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path fixture = fixtures().resolve("nested");
        Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED",
                "-cp", String.join(java.io.File.pathSeparator, classpath), Main.class.getName(),
                "qfile-unpacker", dest.resolve("in").toString())
                .redirectInput(fixture.resolve("stream.bin").toFile()).start();
        byte[] reply = p.getInputStream().readAllBytes();
        assertThat(waitFor(p)).as(stderr(p)).isZero();
        assertThat(reply).isEqualTo(Files.readAllBytes(fixture.resolve("reply.bin")));
        Path data = dest.resolve("in/d/sub/data.bin");
        assertThat(Files.size(data)).isEqualTo(70000);
        assertThat(Files.getOwner(data).getName()).isEqualTo("nobody");
        try (var all = Files.walk(dest.resolve("in"))) {
            assertThat(all.map(x -> x.getFileName().toString())).noneMatch(n -> n.startsWith(".airlock"));
        }
    }

    private static Path fixtures() {
        try {
            return Path.of(CliTest.class.getResource("/fixtures/qubes-filecopy").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ProcessBuilder java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    private static String shellWords(List<String> words) {
        return String.join(" ", words.stream().map(w -> "'" + w.replace("'", "'\\''") + "'").toList());
    }

    private static int waitFor(Process p) throws InterruptedException {
        if (!p.waitFor(50, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("process hung: " + p.info().commandLine().orElse("?"));
        }
        return p.exitValue();
    }

    private static String stderr(Process p) throws IOException {
        return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
