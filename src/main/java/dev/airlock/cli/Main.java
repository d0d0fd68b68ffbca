package dev.airlock.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import picocli.CommandLine.Command;

/**
 * The {@code airlock} command: the host's and the domains' entry point. Subcommands are registered here;
 * errors reach the user as one line starting with {@code ERROR: }, never as a stack trace.
 */
@Command(name = "airlock",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Secure file exchange between isolated compartments (Qubes OS compatible).",
        subcommands = {
                CommandLine.HelpCommand.class,
                AgentCommand.class,
                ApproveCommand.class,
                ClipboardCommand.class,
                BackupCommand.class,
                CopyCommand.class,
                CopyLocalCommand.class,
                CreateCommand.class,
                DaemonCommand.class,
                DemoCommand.class,
                DenyCommand.class,
                DesktopCommand.class,
                DoctorCommand.class,
                DomainDesktopCommand.class,
                DownCommand.class,
                LogCommand.class,
                LsCommand.class,
                MenuCommand.class,
                MoveCommand.class,
                OpenInDvmCommand.class,
                PendingCommand.class,
                PolicyCommand.class,
                PrefsCommand.class,
                QfileAgentCommand.class,
                QfileUnpackerCommand.class,
                QrexecClientVmCommand.class,
                QubesPenctlCommand.class,
                QubesdbReadCommand.class,
                QubesdbWatchCommand.class,
                QubesdbWriteCommand.class,
                QvmCopyCommand.class,
                QvmCopyToDom0Command.class,
                QvmCopyToVmCommand.class,
                QvmMoveCommand.class,
                QvmMoveToDom0Command.class,
                QvmMoveToVmCommand.class,
                QvmOpenInDvmCommand.class,
                QvmOpenInVmCommand.class,
                RemoveCommand.class,
                RestoreCommand.class,
                RunCommand.class,
                ShutdownCommand.class,
                StartCommand.class,
                UpCommand.class,
        })
public final class Main {

    /** Exit code for bad usage, as picocli and the Qubes tools use it. */
    static final int EXIT_USAGE = CommandLines.EXIT_USAGE;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code. */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the command line with the given text outputs (tests capture them). */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        return CommandLines.run(new Main(), out, err, args);
    }

    /**
     * The whole command model, configured as it runs: what the manual pages and the completion script of the
     * package are written from (dev.airlock.packaging).
     */
    public static CommandLine commandLine() {
        return CommandLines.configured(new Main());
    }
}
