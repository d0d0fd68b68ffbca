package dev.airlock.cli;

import dev.airlock.broker.AirlockHome;
import dev.airlock.display.Displays;
import dev.airlock.limits.CgroupDriver;
import dev.airlock.limits.CgroupProbe;
import dev.airlock.limits.Enforcement;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code airlock doctor}: what this host lacks for airlock, each with its fix ({@link HostChecks}); then which of the
 * domains' limits hold here, how, and why the others do not.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check this host for airlock, one line per check with the exact fix of each failure: the "
                + "kernel, Landlock, unprivileged user namespaces (and Ubuntu's AppArmor restriction), bubblewrap, "
                + "setpriv as root, the state folder, the display, notifications, free space and the broker.",
                "Then tell which per-domain limits (maxmem, maxprocs, cpu_weight, nofile, the tmpfs sizes, "
                + "private_max_size; see airlock prefs) a broker started here enforces, how, and why not where it "
                + "cannot; and whether domains can show windows (the desktop airlock up remembered, xpra).",
                "It looks at this process's cgroups: run it as the broker runs (same user, same service manager)."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:nothing keeps domains from working here (warnings may remain)",
                "1:a check failed: its line says what to do"})
final class DoctorCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        boolean root = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        CgroupDriver driver = CgroupProbe.current();
        PrintWriter out = spec.commandLine().getOut();
        out.println("user: " + (root ? "root: each domain runs as a host user of its own"
                : "not root: the domains run as this user"));
        AirlockHome home = AirlockHome.fromEnvironment(Invocation.current().env());
        boolean failed = false;
        for (HostChecks.Check check : HostChecks.all(home, root, Invocation.current().env())) {
            for (String line : check.line().split("\n")) {
                out.println(Messages.safe(line));
            }
            failed |= check.status() == HostChecks.Status.FAIL;
        }
        out.println("cgroups: " + driver.describe());
        for (Enforcement.Line line : Enforcement.report(driver, root)) {
            out.println(Messages.safe(line.toString()));
        }
        for (String line : Displays.report(home.run())) {
            out.println(Messages.safe(line));
        }
        out.flush();
        return failed ? 1 : 0;
    }
}
