package dev.airlock.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The commands a domain's agent runs for the thin clients typed in its domain: only the in-domain tools, so that
 * nothing reachable from the agent can reach the host's commands (or the broker's classes).
 */
@Command(name = "airlock",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Secure file exchange between isolated compartments (Qubes OS compatible).",
        subcommands = {
                CommandLine.HelpCommand.class,
                QrexecClientVmCommand.class,
                QubesPenctlCommand.class,
                QubesdbReadCommand.class,
                QubesdbWriteCommand.class,
                QvmCopyCommand.class,
                QvmCopyToDom0Command.class,
                QvmCopyToVmCommand.class,
                QvmMoveCommand.class,
                QvmMoveToDom0Command.class,
                QvmMoveToVmCommand.class,
                QvmOpenInDvmCommand.class,
                QvmOpenInVmCommand.class,
        })
final class DomainMain {
    private DomainMain() {
    }
}
