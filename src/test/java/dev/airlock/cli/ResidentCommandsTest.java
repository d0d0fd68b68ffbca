package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.door.Door;
import dev.airlock.door.DoorRequest;
import dev.airlock.sys.Posix;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResidentCommandsTest {
    private static final ResidentCommands HOST = new ResidentCommands(ResidentCommands.HOST, Main.class);

    private static DoorRequest request(String... argv) {
        return new DoorRequest(List.of(argv), "/tmp", Map.of(), 0, 0);
    }

    @Test
    void onlyTheClosedListRunsResident() {
        int me = Posix.geteuid();
        assertThat(HOST.serves(request("run", "work", "--", "true"), me)).isTrue();
        assertThat(HOST.serves(request("ls"), me)).isTrue();
        for (String other : List.of("daemon", "agent", "backup", "restore", "up", "down", "copy", "copy-local",
                "move", "open-in-dvm", "desktop", "menu", "qfile-agent", "--help")) {
            assertThat(HOST.serves(request(other), me)).as(other).isFalse();
        }
        assertThat(HOST.serves(request(), me)).isFalse();
    }

    @Test
    void aBrokerOfAnotherUserNeverReadsAFolderTheClientNames() {
        int other = Posix.geteuid() + 1;
        assertThat(HOST.serves(request("ls", "--home", "/somewhere"), other)).isFalse();
        assertThat(HOST.serves(request("ls", "--home=/somewhere"), other)).isFalse();
        assertThat(HOST.serves(request("ls"), other)).isTrue();
    }

    @Test
    void aResidentCommandSeesTheClientsEnvironmentAndDirectoryAndWritesToItsStreams(@TempDir Path tmp)
            throws Exception {
        java.nio.file.Files.createDirectories(tmp.resolve("h"));
        DoorRequest r = new DoorRequest(List.of("ls", "--home", "h"), tmp.toString(),
                Map.of("AIRLOCK_HOME", "/nonexistent"), 0, 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = HOST.run(r, new Door.Call(new ByteArrayInputStream(new byte[0]), out, err, action -> { }, message -> { }));
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("NAME").contains("dom0");
    }

    @Test
    void aResidentUsageErrorReadsAsTheInProcessOne() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = HOST.run(request("ls", "--bogus"), new Door.Call(new ByteArrayInputStream(new byte[0]), out, err, action -> { }, message -> { }));
        assertThat(code).isEqualTo(Main.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("ERROR: Unknown option: '--bogus'");
    }

    @Test
    void anAgentServesOnlyTheInDomainToolsAndItsRootKnowsNoHostCommand() {
        ResidentCommands agent = new ResidentCommands(ResidentCommands.DOMAIN, DomainMain.class);
        int me = Posix.geteuid();
        assertThat(agent.serves(request("qvm-copy-to-vm", "personal", "f"), me)).isTrue();
        assertThat(agent.serves(request("run", "work", "--", "true"), me)).isFalse();
        assertThat(agent.serves(request("qubesdb-watch", "/x"), me)).as("waits for ever").isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CommandLines.single(DomainMain.class, "ls"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyServedCommandHasItsOwnModelWhoseUsageReadsAsTheFullOnes() {
        for (String name : ResidentCommands.HOST) {
            assertThat(CommandLines.single(Main.class, name).getSubcommands()).containsOnlyKeys(name);
        }
        for (String name : ResidentCommands.DOMAIN) {
            assertThat(CommandLines.single(DomainMain.class, name).getSubcommands()).containsOnlyKeys(name);
        }
        java.io.StringWriter single = new java.io.StringWriter();
        CommandLines.single(Main.class, "ls").getSubcommands().get("ls").usage(new java.io.PrintWriter(single));
        java.io.StringWriter full = new java.io.StringWriter();
        Main.commandLine().getSubcommands().get("ls").usage(new java.io.PrintWriter(full));
        assertThat(single.toString()).startsWith("Usage: airlock ls").isEqualTo(full.toString());
    }

    @Test
    void theDomainScriptsSkipTheFullCacheForExactlyTheCommandsTheAgentServes() {
        assertThat(new java.util.TreeSet<>(dev.airlock.sandbox.DomainToolsAccess.thin()))
                .isEqualTo(new java.util.TreeSet<>(ResidentCommands.DOMAIN));
    }
}
