package dev.airlock.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** airlock backup and airlock restore from the command line, on temporary homes (no broker runs). */
@Timeout(180)
class BackupCommandTest {

    @TempDir
    Path dir;

    private Path home;
    private Path other;
    private Path pass;

    @BeforeEach
    void sample() throws IOException {
        home = dir.resolve("home");
        other = dir.resolve("other");
        pass = Files.writeString(dir.resolve("pass"), "s3cret words  \nsecond line ignored\n");
        ok(InProcess.run("create", "--home=" + home, "fedora", "--class", "TemplateVM"));
        ok(InProcess.run("create", "--home=" + home, "work", "-t", "fedora", "-l", "green"));
        Files.writeString(home.resolve("domains/work/home/todo.txt"), "buy milk\n");
    }

    private static InProcess ok(InProcess r) {
        assertThat(r.code()).as(r.err()).isZero();
        return r;
    }

    @Test
    void aBackupRestoresIntoAnotherHomeAndConflictsAreNamed() throws IOException {
        Path file = dir.resolve("b");
        InProcess b = ok(InProcess.run("backup", "--home=" + home, "--passphrase-file", pass.toString(),
                file.toString()));
        assertThat(b.out()).contains("of fedora, work").contains("written to " + file);
        assertThat(file).isRegularFile();
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".partial"));
        }

        InProcess verify = ok(InProcess.run("restore", "--home=" + other, "-p", pass.toString(), "--verify-only",
                file.toString()));
        assertThat(verify.out()).contains("verified work");
        assertThat(other).as("verifying touches no home").doesNotExist();

        InProcess r = ok(InProcess.run("restore", "--home=" + other, "-p", pass.toString(), file.toString()));
        assertThat(r.out()).contains("restored fedora\n", "restored work\n");
        assertThat(other.resolve("domains/work/home/todo.txt")).hasContent("buy milk");
        assertThat(ok(InProcess.run("ls", "--home=" + other)).out()).containsPattern("work +AppVM +Halted +green");

        InProcess again = InProcess.run("restore", "--home=" + other, "-p", pass.toString(), file.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).isEqualTo("ERROR: domains fedora, work exist already; use --skip-conflicting or "
                + "--rename-conflicting\n");
        InProcess renamed = ok(InProcess.run("restore", "--home=" + other, "-p", pass.toString(),
                "--rename-conflicting", "-x", "fedora", file.toString()));
        assertThat(renamed.out()).contains("restored work as work-1");
    }

    @Test
    void aWrongPassphraseIsOneClearLine() throws IOException {
        Path file = dir.resolve("b");
        ok(InProcess.run("backup", "--home=" + home, "-p", pass.toString(), file.toString(), "work"));
        Path wrong = Files.writeString(dir.resolve("wrong"), "not it\n");
        InProcess r = InProcess.run("restore", "--home=" + other, "-p", wrong.toString(), file.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("ERROR: backup-header.hmac: the passphrase is incorrect, or it belongs to "
                + "another file or another backup\n");
    }

    @Test
    void aBackupNeverOverwritesAFileAndRefusesUnlistedFilters() throws IOException {
        Path file = Files.writeString(dir.resolve("exists"), "keep");
        InProcess r = InProcess.run("backup", "--home=" + home, "-p", pass.toString(), file.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("ERROR: " + file + " exists already; airlock backup never overwrites a file\n");
        assertThat(file).hasContent("keep");

        InProcess inside = InProcess.run("backup", "--home=" + home, "-p", pass.toString(),
                home.resolve("domains/work/home/b").toString());
        assertThat(inside.code()).isEqualTo(1);
        assertThat(inside.err()).startsWith("ERROR: the backup cannot be written inside ");
        assertThat(home.resolve("domains/work/home/b")).doesNotExist();

        InProcess f = InProcess.run("backup", "--home=" + home, "-p", pass.toString(), "-Z", "sh",
                dir.resolve("x").toString());
        assertThat(f.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(f.err()).startsWith("ERROR: compression filter \"sh\" is not one of gzip, bzip2, xz");
    }
}
