package dev.airlock.sandbox;

import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Fd;
import dev.airlock.sys.Posix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

class LandlockTest {

    private static byte[] b(Path p) {
        return p.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** What a confined thread could and could not do; each entry "action: ok" or "action: errno". */
    private static List<String> confinedTry(Path inside, Path outside) throws Exception {
        List<String> results = new ArrayList<>();
        ClassPreloader.load(Landlock.class, "dev.airlock.sandbox", "dev.airlock.sys");
        ClassPreloader.load(LandlockTest.class, "dev.airlock.sandbox");
        Fd dir = Fd.CWD.open(b(inside), Posix.O_RDONLY | Posix.O_DIRECTORY, 0);
        Thread t = Thread.ofPlatform().start(() -> {
            Landlock.Result r = Landlock.confineCurrentThreadTo(dir);
            results.add("confined: " + (r instanceof Landlock.Confined));
            attempt(results, "create inside", () -> dir.open("new".getBytes(),
                    Posix.O_CREAT | Posix.O_EXCL | Posix.O_WRONLY, 0600).close());
            attempt(results, "read inside", () -> dir.open("existing".getBytes(), Posix.O_RDONLY, 0).close());
            attempt(results, "read outside", () -> Posix.closeQuietly(Posix.openat(Posix.AT_FDCWD,
                    b(outside.resolve("secret")), Posix.O_RDONLY, 0)));
            attempt(results, "create outside", () -> Posix.closeQuietly(Posix.openat(Posix.AT_FDCWD,
                    b(outside.resolve("planted")), Posix.O_CREAT | Posix.O_WRONLY, 0600)));
            attempt(results, "mkdir outside", () -> Posix.mkdirat(Posix.AT_FDCWD, b(outside.resolve("d")), 0700));
        });
        t.join();
        dir.close();
        return results;
    }

    private interface Action {
        void run() throws ErrnoException;
    }

    private static void attempt(List<String> results, String what, Action a) {
        try {
            a.run();
            results.add(what + ": ok");
        } catch (ErrnoException e) {
            results.add(what + ": " + e.errno());
        }
    }

    @Test
    void confinedUnpackerThreadCannotTouchAnythingOutsideItsTree(@TempDir Path tmp) throws Exception {
        assumeThat(Landlock.abiVersion()).as("the kernel offers Landlock").isPositive();
        Path inside = Files.createDirectories(tmp.resolve("in"));
        Path outside = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(inside.resolve("existing"), "x");
        Files.writeString(outside.resolve("secret"), "s");

        assertThat(confinedTry(inside, outside)).containsExactly(
                "confined: true",
                "create inside: ok",
                "read inside: 13",
                "read outside: 13",
                "create outside: 13",
                "mkdir outside: 13");
        assertThat(outside.resolve("planted")).doesNotExist();
        assertThat(outside.resolve("d")).doesNotExist();
    }

    @Test
    void confinementBindsOnlyTheConfinedThread(@TempDir Path tmp) throws Exception {
        assumeThat(Landlock.abiVersion()).as("the kernel offers Landlock").isPositive();
        Path inside = Files.createDirectories(tmp.resolve("in"));
        Path outside = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(outside.resolve("secret"), "s");
        confinedTry(inside, outside);
        assertThat(outside.resolve("secret")).as("this thread is not confined").hasContent("s");
        Files.writeString(outside.resolve("after"), "free");
    }
}
