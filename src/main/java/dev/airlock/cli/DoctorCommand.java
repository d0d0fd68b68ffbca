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

/** {@code airlock doctor}: which of the domains' limits hold on this host, how, and why the others do not. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Tell which per-domain limits (maxmem, maxprocs, cpu_weight, nofile, the tmpfs sizes, "
                + "private_max_size; see airlock prefs) a broker started here enforces, how, and why not where it "
                + "cannot; and whether domains can show windows (the desktop airlock up remembered, xpra).",
                "It looks at this process's cgroups: run it as the broker runs (same user, same service manager)."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:reported"})
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
        out.println("cgroups: " + driver.describe());
        for (Enforcement.Line line : Enforcement.report(driver, root)) {
            out.println(Messages.safe(line.toString()));
        }
        for (String line : Displays.report(AirlockHome.fromEnvironment(Invocation.current().env()).run())) {
            out.println(Messages.safe(line));
        }
        out.flush();
        return 0;
    }
}
