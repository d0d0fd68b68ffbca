package dev.airlock.cli;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code airlock up}: starts the broker in the background, or confirms that it runs. */
@Command(name = "up",
        description = "Start the broker in the background and wait until it answers. Does nothing if it is "
                + "already running. Its messages go to $AIRLOCK_HOME/run/broker.log.",
        mixinStandardHelpOptions = true)
final class UpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "20",
            description = "How long to wait for the broker to answer (default: ${DEFAULT-VALUE}).")
    int waitSeconds;

    @Override
    public Integer call() throws IOException, InterruptedException {
        ensureRunning(AirlockHome.fromEnvironment(), waitSeconds, spec.commandLine().getErr());
        return 0;
    }

    /** Starts the broker of {@code home} unless it runs, and waits until it answers. */
    static void ensureRunning(AirlockHome home, int waitSeconds, PrintWriter err)
            throws IOException, InterruptedException {
        AdminClient client = new AdminClient(home);
        if (client.isRunning()) {
            err.println("airlock: the broker is already running (pid "
                    + client.call(AdminClient.request("ping")).get("pid").asLong() + ")");
            return;
        }
        home.ensureCreated();
        List<String> cmd = new ArrayList<>();
        // setsid detaches the broker from this terminal's session, so closing the terminal does not stop it.
        if (new File("/usr/bin/setsid").canExecute()) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.add("daemon");
        Process p = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.brokerLog().toFile()))
                .redirectErrorStream(true)
                .start();
        long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (client.isRunning()) {
                err.println("airlock: broker started (pid " + p.pid() + ")");
                return;
            }
            if (!p.isAlive() && !client.isRunning()) {
                throw new IOException("the broker exited at once; its log says: " + tail(home.brokerLog()));
            }
            Thread.sleep(50);
        }
        throw new IOException("the broker did not answer within " + waitSeconds + " s; see " + home.brokerLog());
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }
}
