package dev.airlock.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

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
        return run(new CommandLine(root), out, err, args);
    }

    /** Runs {@code args} under the command line {@code cl} with the given text outputs and returns the exit code. */
    static int run(CommandLine cl, PrintWriter out, PrintWriter err, String... args) {
        configure(cl);
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    /** The command line of {@code root} with airlock's parsing rules and error handlers, without outputs set. */
    static CommandLine configured(Object root) {
        CommandLine cl = new CommandLine(root);
        configure(cl);
        return cl;
    }

    /**
     * A root named as {@code rootClass} with only its subcommand {@code name}: what a resident broker or agent runs
     * per request. Building the whole model reads every command's annotations, 20-30 ms of a warm broker's time on
     * each typed command; one command's model is a small part of that, and its usage and messages read the same
     * ("airlock ls ...").
     */
    static CommandLine single(Class<?> rootClass, String name) {
        Command top = rootClass.getAnnotation(Command.class);
        for (Class<?> sub : top.subcommands()) {
            Command c = sub.getAnnotation(Command.class);
            if (c != null && c.name().equals(name)) {
                CommandLine root = new CommandLine(CommandSpec.create().name(top.name()));
                root.addSubcommand(name, new CommandLine(sub, CommandLine.defaultFactory()));
                return root;
            }
        }
        throw new IllegalArgumentException(rootClass.getSimpleName() + " has no command " + name);
    }

    private static void configure(CommandLine cl) {
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
    }
}
