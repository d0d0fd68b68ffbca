package dev.airlock.cli;

import dev.airlock.sys.Posix;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The sending commands read Qubes' options as Qubes' {@code qvm-copy} script does: the last of a pair wins, and
 * {@code --} ends the options, so a file named like an option is sent, not obeyed.
 */
class FileCopyOptionsTest {

    private static QvmCopyToVmCommand copyToVm(String... args) {
        QvmCopyToVmCommand c = new QvmCopyToVmCommand();
        new CommandLine(c).parseArgs(args);
        return c;
    }

    @Test
    void withoutOptionsLinksAreSentAndProgressShowsOnlyOnATerminalOrTheDesktop() {
        QvmCopyToVmCommand c = copyToVm("personal", "f");
        assertThat(c.options.ignoreSymlinks()).isFalse();
        assertThat(c.options.progress()).isEqualTo(ProgressMode.forSender(System.getenv()));
        assertThat(ProgressMode.forSender(Map.of())).as("no display: as before windows")
                .isEqualTo(ProgressMode.byDefault());
    }

    @Test
    void desktopWithoutATerminalGetsTheProgressWindow() {
        assumeTrue(!Posix.isatty(2), "standard error is a terminal");
        assumeTrue(Files.isExecutable(GuiProgress.ZENITY),
                "zenity is not installed");
        assertThat(ProgressMode.forSender(Map.of("DISPLAY", ":100"))).isEqualTo(ProgressMode.gui);
        assertThat(ProgressMode.forSender(Map.of("DISPLAY", ""))).isEqualTo(ProgressMode.none);
    }

    @Test
    void progressModeIsChosenByNameAndTheLastOptionWins() {
        assertThat(copyToVm("--progress=gui", "personal", "f").options.progress()).isEqualTo(ProgressMode.gui);
        assertThat(copyToVm("--progress=gui", "--without-progress", "personal", "f").options.progress())
                .isEqualTo(ProgressMode.none);
        assertThat(copyToVm("--with-progress", "--progress", "bytes", "personal", "f").options.progress())
                .isEqualTo(ProgressMode.bytes);
    }

    @Test
    void fileManagerActionsFindTheGuiModeInHelp() {
        for (String command : new String[] {"qvm-copy", "qvm-move", "qvm-copy-to-vm", "qvm-move-to-vm"}) {
            java.io.StringWriter out = new java.io.StringWriter();
            Main.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(new java.io.StringWriter(), true),
                    command, "--help");
            assertThat(out.toString().replaceAll("\\s+", " ")).as(command).contains("--progress=MODE")
                    .contains("gui (a window with Cancel");
        }
    }

    @Test
    void theLastOfEachPairWinsAsInQubes() {
        QvmCopyToVmCommand c = copyToVm("--ignore-symlinks", "--without-progress", "--no-ignore-symlinks",
                "--with-progress", "personal", "f");
        assertThat(c.options.ignoreSymlinks()).isFalse();
        assertThat(c.options.progress()).isEqualTo(ProgressMode.bar);

        c = copyToVm("--with-progress", "--no-ignore-symlinks", "--without-progress", "--ignore-symlinks",
                "personal", "f");
        assertThat(c.options.ignoreSymlinks()).isTrue();
        assertThat(c.options.progress()).isEqualTo(ProgressMode.none);
    }

    @Test
    void fileNamedLikeAnOptionAfterDoubleDashIsSentNotObeyed() {
        QvmCopyToVmCommand c = copyToVm("--", "personal", "--ignore-symlinks");
        assertThat(c.options.ignoreSymlinks()).isFalse();
        assertThat(c.target).isEqualTo("personal");
        assertThat(c.paths).containsExactly("--ignore-symlinks");
    }

    @Test
    void fileNamedLikeAnOptionAfterTheFirstOperandIsSentNotObeyed() {
        for (String command : new String[] {"qvm-copy", "qvm-move", "qvm-copy-to-vm", "qvm-move-to-vm"}) {
            java.io.StringWriter out = new java.io.StringWriter();
            java.io.StringWriter err = new java.io.StringWriter();
            int code = Main.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true), command,
                    "--without-progress", "personal", "--ignore-symlinks", "--no-such-option");
            // Parsed as operands, as Qubes' script does; the command then runs (and, outside a domain, says so).
            assertThat(err.toString()).as(command).doesNotContain("Unknown option").contains("not inside an airlock");
            assertThat(code).as(command).isEqualTo(1);
        }
    }

    @Test
    void everySendingCommandTakesQubesOptions() {
        for (Object command : new Object[] {new QvmCopyCommand(), new QvmMoveCommand(), new QvmCopyToVmCommand(),
                new QvmMoveToVmCommand()}) {
            CommandLine cl = new CommandLine(command);
            for (String option : new String[] {"--with-progress", "--without-progress", "--ignore-symlinks",
                    "--no-ignore-symlinks"}) {
                assertThat(cl.getCommandSpec().findOption(option)).as(cl.getCommandName() + " " + option)
                        .isNotNull();
                assertThat(cl.getCommandSpec().findOption(option).description()).isNotEmpty();
            }
        }
    }
}
