package dev.airlock.cli;

import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * Running a command line under a root of commands ({@link Main}, or {@link DomainMain} in an agent) the one way:
 * errors reach the user as one line starting with {@code ERROR: }, never as a stack trace.
 */
final class CommandLines {
    /** Exit code for bad usage, as picocli and the Qubes tools use it. */
    static final int EXIT_USAGE = 2;

    private CommandLines() {
    }

    /** Runs {@code args} under {@code root} with the given text outputs and returns the exit code. */
    static int run(Object root, PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = configured(root);
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    /** The command line of {@code root} with airlock's parsing rules and error handlers, without outputs set. */
    static CommandLine configured(Object root) {
        CommandLine cl = new CommandLine(root);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // Qubes' qvm-copy reads options only before the first operand: a file named like an option is sent, not
        // obeyed (a glob can produce one).
        cl.getSubcommands().values().stream()
                .filter(c -> c.getMixins().values().stream().anyMatch(FileCopyOptions.class::isInstance))
                .forEach(c -> c.setStopAtPositional(true));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("ERROR: " + Messages.describe(ex));
            return 1;
        });
        cl.setParameterExceptionHandler((ex, args1) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("ERROR: " + Messages.safe(ex.getMessage()));
            cmd.usage(cmd.getErr());
            return EXIT_USAGE;
        });
        return cl;
    }
}
