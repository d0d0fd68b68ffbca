package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.sandbox.BwrapCheck;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code airlock demo} from an empty home, as the README's main job runs it: the packaged jar in its own process. */
class DemoIT {

    /** What a command ended with, its outputs joined. */
    private record Result(int code, String output) {
    }

    private static Result airlock(Path home, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", Path.of("target/airlock.jar").toAbsolutePath()
                        .toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("AIRLOCK_HOME", home.toString());
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), output);
    }

    @Test
    void demoStartsTwoDomainsWithAFileToCopyAndCanRunAgain(@TempDir Path tmp) throws Exception {
        BwrapCheck.Result check = BwrapCheck.check();
        assumeTrue(check instanceof BwrapCheck.Ready, "sandboxes cannot run here: " + check.message());
        assumeTrue(Files.isRegularFile(Path.of("target/airlock.jar")), "target/airlock.jar is not built yet");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        Path home = tmp.resolve("home");
        try {
            Result first = airlock(home, "demo");
            assertThat(first.code()).as(first.output()).isZero();
            assertThat(first.output()).contains("created domain work", "created domain personal",
                    "airlock copy work:hello.txt personal");
            Result again = airlock(home, "demo");
            assertThat(again.code()).as(again.output()).isZero();
            assertThat(again.output()).doesNotContain("created domain");
            Result hello = airlock(home, "run", "work", "--", "cat", "hello.txt");
            assertThat(hello).isEqualTo(new Result(0, "Hello from work.\n"));
            assertThat(airlock(home, "run", "personal", "--", "hostname")).isEqualTo(new Result(0, "personal\n"));
            assertThat(airlock(home, "ls").output()).as("ls asks the running broker")
                    .containsPattern("personal +AppVM +Running").containsPattern("work +AppVM +Running");
            airlock(home, "shutdown", "personal");
            assertThat(airlock(home, "ls").output()).containsPattern("personal +AppVM +Halted")
                    .containsPattern("work +AppVM +Running");
        } finally {
            airlock(home, "down");
        }
    }
}
