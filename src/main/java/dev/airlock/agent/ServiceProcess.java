package dev.airlock.agent;

import dev.airlock.sys.Errno;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An executable service's process, started as the leader of a process group of its own (through {@code setsid},
 * where the system has it), so that everything it started can be ended with it when its caller goes away.
 *
 * @param process  the service's process
 * @param ownGroup whether it leads its own group; if not, ending it reaches only the descendants it has then
 */
record ServiceProcess(Process process, boolean ownGroup) {
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final long CHECK_MILLIS = 20;

    /**
     * Starts {@code pb}'s command in a new session. The JVM's child is never a group leader, so {@code setsid}
     * does not fork: the service keeps the pid we know, which is also its group's id.
     */
    static ServiceProcess start(ProcessBuilder pb) throws IOException {
        if (!Files.isExecutable(SETSID)) {
            return new ServiceProcess(pb.start(), false);
        }
        List<String> cmd = new ArrayList<>(pb.command().size() + 1);
        cmd.add(SETSID.toString());
        cmd.addAll(pb.command());
        return new ServiceProcess(pb.command(cmd).start(), true);
    }

    /**
     * Ends the service: {@code SIGTERM} to its group, {@code SIGKILL} to whatever of it is left after
     * {@code grace}, then waits for the leader; returns its exit code (128 + the signal for a shell that died of
     * it). An interrupt during the grace cuts it short; it is kept for the caller.
     */
    int terminate(Duration grace) {
        signal(Posix.SIGTERM);
        long deadline = System.nanoTime() + grace.toNanos();
        boolean interrupted = false;
        while (alive() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(CHECK_MILLIS);
            } catch (InterruptedException e) {
                interrupted = true;
                break;
            }
        }
        signal(Posix.SIGKILL);
        int code;
        while (true) {
            try {
                code = process.waitFor();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return code;
    }

    /** Whether the leader, or any process of its group, is left that has not exited. */
    private boolean alive() {
        if (process.isAlive()) {
            return true;
        }
        if (!ownGroup) {
            return process.descendants().anyMatch(ProcessHandle::isAlive);
        }
        try {
            Posix.kill(-(int) process.pid(), 0);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ESRCH) {
                return false;
            }
        }
        // The group still has members, but they may all be zombies: a service's orphans are reaped by the
        // sandbox's init, yet not by every init outside one.
        return ProcStat.anyRunningIn(process.pid());
    }

    private void signal(int signal) {
        if (ownGroup) {
            try {
                Posix.kill(-(int) process.pid(), signal);
                return;
            } catch (ErrnoException e) {
                // No such group: gone already, or setsid has not made it yet (a caller gone at once); the leader
                // then gets the signal alone, below.
            }
        }
        process.descendants().forEach(signal == Posix.SIGKILL ? ProcessHandle::destroyForcibly
                : ProcessHandle::destroy);
        if (signal == Posix.SIGKILL) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
    }
}
