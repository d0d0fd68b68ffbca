package dev.airlock.cli;

import dev.airlock.menu.Installation;

import java.io.PrintWriter;
import java.util.List;

/** The listing of {@code airlock desktop} and {@code airlock-desktop}: what was done, one file a line. */
final class ChangeReport {
    private ChangeReport() {
    }

    /** Lists the files changed or left alone; says so when there was nothing to do. */
    static void print(List<Installation.Change> changes, boolean installing, PrintWriter out) {
        boolean changed = false;
        for (Installation.Change c : changes) {
            changed |= c.status() != Installation.Status.UNCHANGED && c.status() != Installation.Status.NOT_OURS;
            if (c.status() != Installation.Status.UNCHANGED) {
                out.println(Messages.safe("  " + c.status().words() + " " + c.path()));
            }
        }
        if (!changed) {
            out.println(installing ? "Already installed: nothing changed." : "Nothing of airlock's to remove.");
        }
        out.flush();
    }
}
