package dev.airlock.sandbox;

import dev.airlock.contract.InDomain;
import dev.airlock.sys.Trees;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real sandboxes for domain "work", next to domain "personal" and the broker's admin socket in one temporary
 * {@code AIRLOCK_HOME}. Each escape test is named after what it defeats. Skipped, with bubblewrap's own reason,
 * where sandboxes cannot be built; CI installs bubblewrap, so they run there.
 */
class BwrapSandboxTest {

    /** The unprivileged host user that owns work's home when the tests run as root. */
    private static final int DOMAIN_UID = 61000;
    /** Made at run time, so that no class file under /opt/airlock contains it. */
    private static final String SECRET = "secret-" + java.util.UUID.randomUUID();

    @TempDir
    static Path tmp;

    private static Bwrap launcher;
    private static HostUser user;
    private static SandboxSpec work;
    private static Path personalSecret;
    private static Path adminSocket;
    private static Path workHome;
    private static ServerSocketChannel adminListener;
    private static ServerSocketChannel agentListener;

    @BeforeAll
    static void setUp() throws Exception {
        if (!(BwrapCheck.check() instanceof BwrapCheck.Ready ready)) {
            return;
        }
        launcher = ready.launcher();

        // bubblewrap runs as the domain's user: it needs to pass through the folders above the paths it binds.
        Path airlockHome = traversable(tmp.resolve("airlock"));
        traversable(tmp);
        traversable(airlockHome.resolve("domains"));
        workHome = Files.createDirectories(traversable(airlockHome.resolve("domains/work")).resolve("home"));
        Path personalHome = Files.createDirectories(airlockHome.resolve("domains/personal/home"));
        personalSecret = Files.writeString(personalHome.resolve("secret.txt"), SECRET);
        Path run = traversable(airlockHome.resolve("run"));
        adminSocket = run.resolve("admin.sock");
        adminListener = listen(adminSocket);
        Path channel = Files.createDirectories(traversable(run.resolve("domains/work")).resolve("channel"));
        Path agentSocket = channel.resolve("agent.sock");
        traversable(run.resolve("domains"));
        agentListener = listen(agentSocket);
        if (Bwrap.launcherIsRoot()) {
            for (Path p : List.of(workHome, channel, agentSocket)) {
                Files.setAttribute(p, "unix:uid", DOMAIN_UID);
                Files.setAttribute(p, "unix:gid", DOMAIN_UID);
            }
        }
        user = HostUser.forHome(workHome);
        Path install = Path.of(Bwrap.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
        work = SandboxSpec.of("work", workHome, channel, install, Path.of(System.getProperty("java.home")));
    }

    /** Each test, not the class, is skipped: so the report counts them and shows the reason for each. */
    @BeforeEach
    void requireSandboxes() {
        BwrapCheck.Result check = BwrapCheck.check();
        assumeTrue(check instanceof BwrapCheck.Ready, () -> "sandboxes cannot run here: " + check.message());
    }

    @AfterAll
    static void tearDown() throws IOException {
        for (ServerSocketChannel ch : Arrays.asList(adminListener, agentListener)) {
            if (ch != null) {
                ch.close();
            }
        }
    }

    @Test
    void otherDomainsHomeIsInvisible() throws Exception {
        String out = run("cat " + personalSecret + "; echo rc=$?; test -e " + personalSecret.getParent().getParent()
                + " && echo PERSONAL-EXISTS; ls -A /home; grep -rsl " + SECRET + " /home /tmp /run /opt /etc"
                + " && echo FOUND");
        assertThat(out).doesNotContain(SECRET).doesNotContain("PERSONAL-EXISTS").doesNotContain("FOUND")
                .contains("No such file or directory").contains("rc=1");
        assertThat(out.lines().filter(l -> !l.startsWith("cat:") && !l.startsWith("rc="))).containsExactly("user");
    }

    @Test
    void networkIsUnreachable() throws Exception {
        try (ServerSocket host = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String out = run("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; "
                    + "(echo > /dev/tcp/127.0.0.1/" + host.getLocalPort() + ") 2>/dev/null && echo LOOPBACK-CONNECTED; "
                    + "timeout 5 bash -c 'echo > /dev/tcp/192.0.2.1/80' 2>&1 || true");
            assertThat(out).doesNotContain("LOOPBACK-CONNECTED").contains("Network is unreachable");
            assertThat(out.lines().findFirst()).contains("lo");
            assertThat(out.lines().filter(l -> !l.contains("/dev/tcp") && !l.contains("unreachable")))
                    .containsExactly("lo");
        }
    }

    @Test
    void hostProcessesAreInvisible() throws Exception {
        long self = ProcessHandle.current().pid();
        String out = run("test -e /proc/" + self + " && echo TEST-JVM-VISIBLE; ls /proc | grep -E '^[0-9]+$'");
        assertThat(out).doesNotContain("TEST-JVM-VISIBLE");
        List<String> pids = out.lines().toList();
        // bubblewrap's init (pid 1), bash, and ls and grep.
        assertThat(pids).contains("1").hasSizeLessThanOrEqualTo(5);
    }

    @Test
    void systemIsWriteProtected() throws Exception {
        String out = run("for f in /usr/x /etc/x /x /opt/airlock/x /bin/x; do touch $f 2>&1; done; true");
        assertThat(out.lines()).hasSize(5).allMatch(l -> l.endsWith("Read-only file system"), "read-only");
        assertThat(Path.of("/usr/x")).doesNotExist();
        assertThat(Path.of("/etc/x")).doesNotExist();
    }

    @Test
    void buildFolderIsInvisibleInsideTheDomain() throws Exception {
        // The installation here is Maven's target/, with test classes and surefire reports (host paths, user,
        // properties) beside the jar: none of it may show.
        assertThat(work.installDir().resolve("test-classes")).isDirectory();
        String out = run("ls -A /opt/airlock; ls -d /opt/airlock/test-classes /opt/airlock/classes"
                + " /opt/airlock/surefire-reports 2>&1 | grep -c 'No such file'");
        List<String> lines = out.lines().toList();
        assertThat(lines.getLast()).isEqualTo("3");
        assertThat(lines.subList(0, lines.size() - 1)).isSubsetOf(Bwrap.INSTALLED);
    }

    @Test
    void adminSocketIsUnreachable() throws Exception {
        String out = run("test -e " + adminSocket + " && echo ADMIN-EXISTS; ls -A /run; ls -A /run/airlock");
        assertThat(out.lines()).containsExactly("airlock", "channel");
    }

    @Test
    void agentSocketIsTheOnlyAirlockSocket() throws Exception {
        // Not find -type s: a bind-mounted socket's mount point is listed as a regular file, so test each path.
        // /proc and the read-only /usr (and the symlinks into it) hold none of airlock's sockets and would only
        // make the walk slow.
        String out = run("shopt -s globstar dotglob nullglob; for top in /*; do [ -L \"$top\" ] && continue;"
                + " case $top in /proc|/usr) continue;; esac;"
                + " for f in \"$top\" \"$top\"/**; do [ -S \"$f\" ] && echo \"$f\"; done; done; true");
        assertThat(out.lines()).containsExactly("/run/airlock/channel/agent.sock");
    }

    @Test
    void agentSocketReachesTheBrokerFromJava() throws Exception {
        CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
            try (SocketChannel ch = agentListener.accept(); InputStream in = Channels.newInputStream(ch)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        // The probe travels in the domain's home: a domain sees no build folder in /opt/airlock, and a binding at
        // the build's own path would lie under the sandbox's /tmp when the build does (a clone in /tmp).
        String classFile = AgentProbe.class.getName().replace('.', '/') + ".class";
        Path probe = workHome.resolve("probe");
        Path copy = probe.resolve(classFile);
        Files.createDirectories(copy.getParent());
        try (InputStream in = AgentProbe.class.getResourceAsStream("/" + classFile)) {
            Files.copy(in, copy);
        }
        String out;
        try {
            out = run(javaBin() + " -cp " + InDomain.HOME + "/probe " + AgentProbe.class.getName());
        } finally {
            Trees.delete(probe);
        }
        assertThat(out).isEqualTo("sent\n");
        assertThat(received.get(30, TimeUnit.SECONDS)).isEqualTo("hello from work\n");
    }

    @Test
    void homeIsWritableAndPrivate() throws Exception {
        String out = run("echo written-inside > ~/f && stat -c %u ~ && id -u && pwd");
        assertThat(out.lines()).containsExactly("1000", "1000", "/home/user");
        assertThat(workHome.resolve("f")).hasContent("written-inside");
        int expectedOwner = user instanceof HostUser.Switched s ? s.uid()
                : (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        assertThat(Files.getAttribute(workHome.resolve("f"), "unix:uid")).isEqualTo(expectedOwner);
    }

    @Test
    void tmpIsPrivate() throws Exception {
        Path hostFile = Files.createTempFile(Path.of("/tmp"), "airlock-host-", ".txt");
        try {
            String out = run("test -e " + hostFile + " && echo HOST-TMP-VISIBLE; ls -A /tmp;"
                    + " echo x > /tmp/inside && ls /tmp");
            assertThat(out).isEqualTo("inside\n");
            assertThat(Path.of("/tmp/inside")).doesNotExist();
        } finally {
            Files.delete(hostFile);
        }
    }

    @Test
    void hostnameIsTheDomainName() throws Exception {
        assertThat(run("cat /proc/sys/kernel/hostname; echo $AIRLOCK_DOMAIN")).isEqualTo("work\nwork\n");
    }

    @Test
    void noNewPrivsIsSet() throws Exception {
        assertThat(run("grep '^NoNewPrivs:' /proc/self/status")).isEqualTo("NoNewPrivs:\t1\n");
    }

    @Test
    void capabilitiesAreDropped() throws Exception {
        String out = run("grep '^Cap' /proc/self/status");
        assertThat(out.lines()).hasSize(5).allMatch(l -> l.endsWith("\t0000000000000000"), "no capability");
    }

    @Test
    void nestedUserNamespacesAreRefused() throws Exception {
        assertThat(run("unshare --user true 2>/dev/null && echo NESTED-USERNS")).isEmpty();
    }

    @Test
    void rootOnlyHostFilesStayUnreadable() throws Exception {
        assumeTrue(Files.exists(Path.of("/etc/shadow")), "this host has no /etc/shadow");
        assertThat(run("head -c 1 /etc/shadow >/dev/null 2>&1 && echo SHADOW-READ; true")).isEmpty();
    }

    @Test
    void environmentIsMinimal() throws Exception {
        assertThat(run("env | cut -d= -f1 | sort | grep -v '^_$' | grep -v '^SHLVL$' | grep -v '^PWD$'").lines())
                .containsExactly("AIRLOCK_DOMAIN", "HOME", "JAVA_HOME", "LANG", "PATH");
    }

    /** Start-up cost, reported rather than asserted: a trivial sandbox and a JVM inside one. */
    @Test
    void jdkRunsInsideAndStartUpIsTimed() throws Exception {
        assertThat(run(javaBin() + " -version 2>&1")).contains("version \"25");
        long trueMedian = medianMillis(10, List.of("true"));
        long javaMedian = medianMillis(5, List.of(javaBin(), "-version"));
        System.out.printf("sandbox start-up: `true` median %d ms (10 runs), `java -version` median %d ms (5 runs)%n",
                trueMedian, javaMedian);
    }

    private static String javaBin() throws IOException {
        return Path.of(System.getProperty("java.home")).toRealPath().resolve("bin/java").toString();
    }

    private static long medianMillis(int runs, List<String> command) throws Exception {
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            Process p = launcher.processBuilder(work, user, command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
            times.add((System.nanoTime() - t0) / 1_000_000);
        }
        times.sort(null);
        return times.get(runs / 2);
    }

    /** Runs {@code script} with bash in work's sandbox; returns standard output and error together. */
    private static String run(String script) throws Exception {
        Process p = launcher.processBuilder(work, user, List.of("bash", "-c", script)).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("sandbox finished").isTrue();
        assertThat(out).as("bubblewrap's own errors").doesNotStartWith("bwrap:");
        return out;
    }

    private static Path traversable(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        return dir;
    }

    private static ServerSocketChannel listen(Path socket) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(socket));
        return ch;
    }
}
