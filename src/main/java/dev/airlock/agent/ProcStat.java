package dev.airlock.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** What {@code /proc/PID/stat} tells about the processes of a process group. */
final class ProcStat {
    private static final Path PROC = Path.of("/proc");
    /** A stat line is about 300 bytes; more than this is not one. */
    private static final int MAX_STAT = 4096;

    private ProcStat() {
    }

    /** Whether a process of group {@code pgid} has not exited yet (zombies do not count). */
    static boolean anyRunningIn(long pgid) {
        try (DirectoryStream<Path> all = Files.newDirectoryStream(PROC, p -> isPid(p.getFileName().toString()))) {
            for (Path p : all) {
                String stat = read(p.resolve("stat"));
                if (stat != null && running(stat, pgid)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            // No /proc to look in: count the group as alive, so that it gets SIGKILL after the grace.
            return true;
        }
    }

    /**
     * Whether the stat line {@code stat} is of a process in group {@code pgid} that is not a zombie. The fields after
     * the command (which may hold anything, spaces and parentheses included, hence the last {@code ')'}) are the
     * state, the parent's pid and the group.
     */
    static boolean running(String stat, long pgid) {
        int end = stat.lastIndexOf(')');
        if (end < 0) {
            return false;
        }
        String[] f = stat.substring(end + 1).strip().split(" ", 4);
        if (f.length < 4) {
            return false;
        }
        try {
            return Long.parseLong(f[2]) == pgid && !f[0].equals("Z") && !f[0].equals("X");
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String read(Path stat) {
        try {
            byte[] b = Files.readAllBytes(stat);
            return b.length > MAX_STAT ? null : new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            // The process ended between the listing and the read.
            return null;
        }
    }

    private static boolean isPid(String name) {
        return !name.isEmpty() && name.length() <= 10 && name.chars().allMatch(c -> c >= '0' && c <= '9');
    }
}
