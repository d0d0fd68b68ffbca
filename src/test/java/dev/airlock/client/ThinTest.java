package dev.airlock.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.door.Door;
import dev.airlock.door.DoorRequest;
import dev.airlock.door.Slot;
import dev.airlock.domain.Registry;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The thin client as a user runs it: a separate JVM, against a door served by this test's JVM. */
class ThinTest {
    @TempDir
    Path home;

    private Door door;

    @AfterEach
    void close() {
        if (door != null) {
            door.close();
        }
    }

    private static final class Handler implements Door.Handler {
        final boolean serves;
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);
        volatile DoorRequest seen;

        Handler(boolean serves) {
            this.serves = serves;
        }

        @Override
        public boolean serves(DoorRequest request, int ownerUid) {
            return serves;
        }

        @Override
        public int run(DoorRequest request, Door.Call call) {
            seen = request;
            started.countDown();
            try {
                if (request.argv().contains("wait")) {
                    Thread.sleep(60_000);
                }
                call.stdout().write(String.join(" ", request.argv()).getBytes(StandardCharsets.UTF_8));
                call.stderr().write(call.stdin().readAllBytes());
                return 3;
            } catch (InterruptedException e) {
                interrupted.countDown();
                return 130;
            } catch (IOException e) {
                return 1;
            }
        }
    }

    private Process thin(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Thin.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("AIRLOCK_HOME", home.toString());
        return pb.start();
    }

    private record Result(int code, String out, String err) {
    }

    private static Result finish(Process p, String stdin) throws Exception {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the client ended").isTrue();
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void theClientFindsTheHomeByTheRegistrysRule() {
        String user = System.getProperty("user.name");
        String userHome = System.getProperty("user.home");
        for (Map<String, String> env : List.of(Map.of("AIRLOCK_HOME", "/srv/a"), Map.of("AIRLOCK_HOME", "rel"),
                Map.of("XDG_DATA_HOME", "/x/data"), Map.of("XDG_DATA_HOME", "relative", "HOME", "/home/h"),
                Map.of("HOME", "/home/h"), Map.<String, String>of(), Map.of("AIRLOCK_HOME", "", "HOME", "/h"))) {
            assertThat(Thin.hostHome(env, user, userHome)).as("%s", env)
                    .isEqualTo(Registry.defaultHome(env).toString());
        }
        assertThat(Thin.hostHome(Map.of("HOME", "/home/u"), "root", "/root")).isEqualTo("/var/lib/airlock");
        assertThat(Thin.hostHome(Map.of("HOME", "/home/u"), "u", "/x")).isEqualTo("/home/u/.local/share/airlock");
    }

    @Test
    void aThinClientRelaysItsArgumentsDirectoryInputOutputAndExitCode() throws Exception {
        Handler h = new Handler(true);
        door = Door.open(Files.createDirectories(home.resolve("run")).resolve("door"), h);
        Result r = finish(thin("ls", "ä b"), "from stdin");
        assertThat(r).isEqualTo(new Result(3, "ls ä b", "from stdin"));
        assertThat(h.seen.cwd()).isEqualTo(new File("").getAbsolutePath());
        assertThat(h.seen.env()).containsEntry("AIRLOCK_HOME", home.toString());
        assertThat(h.seen.isTerminal(0)).as("stdin is a pipe here").isFalse();
    }

    @Test
    void withoutADoorTheClientRunsTheCommandItself() throws Exception {
        Result r = finish(thin("--version"), "");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("airlock ");
    }

    @Test
    void aCommandTheDoorDoesNotServeRunsInTheClientWithTheSameMessages() throws Exception {
        Handler h = new Handler(false);
        door = Door.open(Files.createDirectories(home.resolve("run")).resolve("door"), h);
        Result r = finish(thin("no-such-command"), "");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("ERROR: Unmatched argument at index 0: 'no-such-command'");
        assertThat(h.started.getCount()).as("the server ran nothing").isEqualTo(1);
    }

    @Test
    void aThinClientKilledMidCommandCancelsIt() throws Exception {
        Handler h = new Handler(true);
        door = Door.open(Files.createDirectories(home.resolve("run")).resolve("door"), h);
        Process p = thin("wait");
        assertThat(h.started.await(60, TimeUnit.SECONDS)).isTrue();
        p.destroyForcibly();
        assertThat(h.interrupted.await(10, TimeUnit.SECONDS)).as("the command's thread was interrupted").isTrue();
    }

    @Test
    void aDoorWhoseServerDoesNotAnswerEndsTheClientInsteadOfHangingIt() throws Exception {
        // A live pid (this JVM) but nobody serving the slot: the client's open of its pipe would block forever.
        Path folder = Files.createDirectories(home.resolve("run/door/" + Slot.FREE + "0")).getParent();
        for (String pipe : List.of(Slot.UP, Slot.DOWN)) {
            assertThat(new ProcessBuilder("mkfifo", folder.resolve(Slot.FREE + "0/" + pipe).toString()).start()
                    .waitFor()).isZero();
        }
        long pid = ProcessHandle.current().pid();
        Files.writeString(folder.resolve(Slot.SERVER_FILE), pid + " " + Slot.startTime(pid).orElseThrow() + "\n");
        long start = System.nanoTime();
        Result r = finish(thin("ls"), "");
        assertThat(r.code()).isEqualTo(125);
        assertThat(r.err()).contains("did not take the command within 2 s");
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(30));
    }
}
