package dev.airlock.packaging;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Builds the Debian package once ({@code scripts/package.sh}, as {@code ./airlock package} does), then checks it as
 * an installed tool: its listing, the extracted {@code airlock} on its bundled runtime alone, the completion, the
 * manual pages and the systemd units.
 */
class DebPackageIT {
    private static final Path PROJECT = Path.of("").toAbsolutePath();
    /** The build measured about 1.5 min on 2 busy cores; past this something hangs. */
    private static final long BUILD_SECONDS = 600;

    @TempDir
    static Path scratch;
    private static Path deb;
    private static Path root;
    private static String version;

    @BeforeAll
    static void buildAndExtract() throws Exception {
        for (String tool : List.of("dpkg-deb", "dpkg")) {
            assumeTrue(onPath(tool), tool + " is missing (package dpkg): the .deb cannot be built here");
        }
        assumeTrue(Files.isRegularFile(PROJECT.resolve("target/airlock.jar")),
                "no target/airlock.jar: run this after the package phase");
        try (JarFile jar = new JarFile(PROJECT.resolve("target/airlock.jar").toFile())) {
            version = jar.getManifest().getMainAttributes().getValue("Implementation-Version");
        }
        long started = System.nanoTime();
        Result build = run(List.of(PROJECT.resolve("scripts/package.sh").toString()), Map.of(), BUILD_SECONDS);
        assertThat(build.code()).as(build.out()).isZero();
        System.out.printf("DebPackageIT: built in %d s: %s%n",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), build.out().strip());
        String debVersion = version.toLowerCase(Locale.ROOT).replace('-', '~');
        try (Stream<Path> s = Files.list(PROJECT.resolve("target"))) {
            deb = s.filter(p -> p.getFileName().toString().startsWith("airlock_" + debVersion + "_")
                    && p.toString().endsWith(".deb")).findFirst().orElseThrow();
        }
        root = scratch.resolve("root");
        Result x = run(List.of("dpkg-deb", "-x", deb.toString(), root.toString()), Map.of(), 120);
        assertThat(x.code()).as(x.out()).isZero();
    }

    @Test
    void listingHoldsTheLauncherRuntimeJarPagesCompletionAndUnits() throws Exception {
        Result list = run(List.of("dpkg-deb", "-c", deb.toString()), Map.of(), 60);
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains("./usr/bin/airlock", "./usr/lib/airlock/airlock.jar",
                "./usr/lib/airlock/runtime/bin/java", "./usr/lib/airlock/lib/picocli-",
                "./usr/share/man/man1/airlock.1.gz", "./usr/share/man/man1/airlock-copy-local.1.gz",
                "./usr/share/man/man1/airlock-doctor.1.gz", "./usr/share/bash-completion/completions/airlock",
                "./usr/lib/systemd/user/airlockd.service", "./usr/lib/systemd/system/airlockd.service");
        // Users' domains are never part of the package, so removing it cannot remove them.
        assertThat(list.out()).doesNotContain("./var/lib/airlock", "./home/", "./root/");
        Result control = run(List.of("dpkg-deb", "-f", deb.toString(), "Version", "Depends", "Recommends"),
                Map.of(), 60);
        assertThat(control.out()).contains("Version: " + version.toLowerCase(Locale.ROOT).replace('-', '~'))
                .contains("bubblewrap").contains("xpra");
    }

    @Test
    void removingThePackageNeverDeletesUsersDomains() throws Exception {
        Path control = scratch.resolve("control");
        Result e = run(List.of("dpkg-deb", "-e", deb.toString(), control.toString()), Map.of(), 60);
        assertThat(e.code()).as(e.out()).isZero();
        for (String script : List.of("postinst", "prerm", "postrm")) {
            Path file = control.resolve(script);
            Result syntax = run(List.of("sh", "-n", file.toString()), Map.of(), 30);
            assertThat(syntax.code()).as(script + ": " + syntax.out()).isZero();
            // Every deletion names a file of the package's own folder, never a variable or a user's folder.
            for (String line : Files.readAllLines(file)) {
                String code = line.strip();
                if (code.startsWith("rm ") || code.contains(" rm ")) {
                    assertThat(code.split("\\s+")).as(script + ": " + code)
                            .filteredOn(w -> w.startsWith("/") || w.contains("$"))
                            .allMatch(w -> w.startsWith("/usr/lib/airlock/"));
                }
            }
            assertThat(Files.readString(file)).as(script).doesNotContain("rm -r", "/var/lib/airlock/", "/home");
        }
    }

    @Test
    void extractedAirlockRunsOnItsBundledRuntimeAlone() throws Exception {
        Path home = Files.createDirectories(scratch.resolve("user"));
        Map<String, String> env = new HashMap<>();
        // No JDK on the PATH and no JAVA_HOME: only the runtime in the package can run it.
        env.put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("HOME", home.toString());
        env.put("AIRLOCK_HOME", home.resolve("state").toString());
        env.put("AIRLOCK_CONFIG", home.resolve("config").toString());
        String airlock = root.resolve("usr/bin/airlock").toString();

        Result v = run(List.of(airlock, "--version"), env, 300);
        assertThat(v.code()).as(v.out()).isZero();
        assertThat(v.out()).startsWith("airlock " + version + " (").containsPattern("\\((commit \\S+|unknown commit)\\)");

        Result doctor = run(List.of(airlock, "doctor"), env, 120);
        assertThat(doctor.out()).contains("kernel: ", "landlock: ", "user namespaces: ", "bubblewrap: ",
                "state folder: ", "free space: ", "broker: ", "maxmem: ");
        assertThat(doctor.code()).as(doctor.out()).isEqualTo(doctor.out().contains(": FAIL: ") ? 1 : 0);

        Path src = Files.createDirectories(home.resolve("src"));
        Files.writeString(src.resolve("report.txt"), "installed airlock\n");
        Result copy = run(List.of(airlock, "copy-local", "--progress=none", src.toString(),
                home.resolve("dest").toString()), env, 120);
        assertThat(copy.code()).as(copy.out()).isZero();
        assertThat(home.resolve("dest/src/report.txt")).hasContent("installed airlock");
    }

    @Test
    void bashCompletesCoToCopyAndCopyLocal() throws Exception {
        Path script = root.resolve("usr/share/bash-completion/completions/airlock");
        Result syntax = run(List.of("bash", "-n", script.toString()), Map.of(), 30);
        assertThat(syntax.code()).as(syntax.out()).isZero();
        Result complete = run(List.of("bash", "-c", "source \"$1\"; COMP_WORDS=(airlock co); COMP_CWORD=1; "
                + "COMP_LINE='airlock co'; COMP_POINT=10; _picocli_airlock; printf '%s\\n' \"${COMPREPLY[@]}\"",
                "complete", script.toString()), Map.of(), 30);
        assertThat(complete.code()).as(complete.out()).isZero();
        assertThat(complete.out().lines()).contains("copy", "copy-local").allMatch(w -> w.startsWith("co"));
    }

    @Test
    void everyManualPageRendersWithoutWarnings() throws Exception {
        assumeTrue(onPath("man"), "man is missing (package man-db): the pages cannot be rendered here");
        List<Path> pages;
        try (Stream<Path> s = Files.list(root.resolve("usr/share/man/man1"))) {
            pages = s.sorted().toList();
        }
        assertThat(pages).hasSizeGreaterThan(40);
        for (Path page : pages) {
            Result r = run(List.of("sh", "-c", "man --warnings -l \"$1\" 2>&1 >/dev/null", "man", page.toString()),
                    Map.of("MANWIDTH", "80", "PATH", "/usr/bin:/bin"), 60);
            assertThat(r.out()).as(page.getFileName().toString()).isEmpty();
        }
        Result top = run(List.of("man", "-l", root.resolve("usr/share/man/man1/airlock.1.gz").toString()),
                Map.of("MANWIDTH", "80", "PATH", "/usr/bin:/bin", "MANPAGER", "cat"), 60);
        assertThat(top.out()).contains("copy-local", "airlock-doctor(1)");
    }

    @Test
    void systemdAcceptsTheUnits() throws Exception {
        assumeTrue(onPath("systemd-analyze"), "systemd-analyze is missing (package systemd): units not verified");
        // The units as installed, their commands pointed at the extracted tree: verify checks that they exist.
        Path units = Files.createDirectories(scratch.resolve("units"));
        Path runtimeDir = Files.createDirectories(scratch.resolve("xdg-runtime"));
        for (String kind : List.of("system", "user")) {
            String unit = Files.readString(root.resolve("usr/lib/systemd/" + kind + "/airlockd.service"))
                    .replace("/usr/bin/airlock", root.resolve("usr/bin/airlock").toString());
            Path dir = Files.createDirectories(units.resolve(kind));
            Path file = Files.writeString(dir.resolve("airlockd.service"), unit);
            List<String> argv = new ArrayList<>(List.of("systemd-analyze"));
            if (kind.equals("user")) {
                argv.add("--user");
            }
            argv.addAll(List.of("verify", "--man=no", file.toString()));
            Result r = run(argv, Map.of("XDG_RUNTIME_DIR", runtimeDir.toString()), 60);
            assertThat(r.code()).as(kind + ": " + r.out()).isZero();
            assertThat(r.out()).as(kind).isBlank();
        }
    }

    private record Result(int code, String out) {
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs {@code argv} with {@code extra} over this environment (or as all of it when it sets PATH). */
    private static Result run(List<String> argv, Map<String, String> extra, long seconds)
            throws IOException, InterruptedException {
        // Into a file, so that a hung command is caught by the wait below rather than by a blocked read.
        Path output = Files.createTempFile(scratch, "out", ".txt");
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (extra.containsKey("PATH")) {
            pb.environment().clear();
            pb.environment().put("LANG", "C.UTF-8");
        }
        pb.environment().putAll(extra);
        Process p = pb.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(argv + " did not finish in " + seconds + " s");
        }
        return new Result(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }
}
