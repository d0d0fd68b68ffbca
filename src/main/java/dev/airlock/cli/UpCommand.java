package dev.airlock.cli;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.broker.BrokerJvm;
import dev.airlock.display.Desktop;
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
        description = {"Start the broker in the background and wait until it answers. Does nothing if it is "
                + "already running. Its messages go to $AIRLOCK_HOME/run/broker.log.",
                "Run inside a desktop session (DISPLAY; under Wayland, XWayland's DISPLAY), it remembers that display "
                        + "for the domains' windows (AIRLOCK_DISPLAY overrides DISPLAY); the windows' host clients "
                        + "run as the desktop user: the caller, SUDO_UID when run with sudo, or "
                        + "AIRLOCK_DESKTOP_USER (a name or uid), never root. Its session bus "
                        + "(DBUS_SESSION_BUS_ADDRESS, a local unix: address) is remembered too: denied calls, "
                        + "ended copies and failed disposables are shown there as notifications."},
        mixinStandardHelpOptions = true)
final class UpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "20",
            description = "How long to wait for the broker to answer (default: ${DEFAULT-VALUE}).")
    int waitSeconds;

    @Override
    public Integer call() throws IOException, InterruptedException {
        ensureRunning(AirlockHome.fromEnvironment(Invocation.current().env()), waitSeconds, spec.commandLine().getErr());
        return 0;
    }

    /** Starts the broker of {@code home} unless it runs, and waits until it answers. */
    static void ensureRunning(AirlockHome home, int waitSeconds, PrintWriter err)
            throws IOException, InterruptedException {
        AdminClient client = new AdminClient(home);
        if (client.isRunning()) {
            rememberDesktop(home, err);
            err.println("airlock: the broker is already running (pid "
                    + client.call(AdminClient.request("ping")).get("pid").asLong() + ")");
            return;
        }
        home.ensureCreated();
        rememberDesktop(home, err);
        List<String> cmd = new ArrayList<>();
        // setsid detaches the broker from this terminal's session, so closing the terminal does not stop it.
        if (new File("/usr/bin/setsid").canExecute()) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(BrokerJvm.OPTIONS);
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

    /** Records the desktop of this session for the domains started from now on, or forgets it (no display). */
    private static void rememberDesktop(AirlockHome home, PrintWriter err) throws IOException {
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        int gid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
        Path passwd = Path.of("/etc/passwd");
        List<String> users = Files.isReadable(passwd) ? Files.readAllLines(passwd) : List.of();
        switch (Desktop.from(Invocation.current().env(), uid, gid, users)) {
            case Desktop.Known k -> k.desktop().save(home.run());
            case Desktop.Absent a -> Desktop.forget(home.run());
            case Desktop.Refused r -> {
                Desktop.forget(home.run());
                err.println("airlock: " + r.message());
            }
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }
}
