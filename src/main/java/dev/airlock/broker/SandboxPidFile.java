package dev.airlock.broker;

import dev.airlock.qrexec.QrexecNames;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code run/domains/NAME/pid}: which process is a domain's sandbox (its bubblewrap), and the uuid of the domain
 * it was started for. Written by the broker only, in a folder no domain can write; read by a broker adopting the
 * domains an earlier one left running, and by {@code airlock remove} when no broker runs. A sandbox is only ever
 * taken for the domain whose uuid it carries: one that outlived its domain is killed, never given to a new domain
 * of the same name (issue 10).
 *
 * <p>Lines: the pid, the uuid, and when the process started ({@link #startTicks}). A file without the uuid
 * (written before uuids) belongs to no domain. The start tells the sandbox from a process that got its pid after it
 * ended: a domain's process can give itself bubblewrap's command line, but not another process's start.
 */
public final class SandboxPidFile {
    static final String NAME = "pid";
    /** Far above a pid and a uuid: a file larger than this is not one of ours. */
    private static final int MAX_BYTES = 128;
    private static final long STOP_SECONDS = 3;

    /**
     * What a pid file says; {@code uuid} is empty for a file from before uuids, {@code started} for one that
     * recorded no start.
     */
    record Content(long pid, Optional<UUID> uuid, OptionalLong started) {
        Content(long pid, Optional<UUID> uuid) {
            this(pid, uuid, OptionalLong.empty());
        }
    }

    private SandboxPidFile() {
    }

    /** The pid file in a domain's run folder. */
    static Path in(Path runFolder) {
        return runFolder.resolve(NAME);
    }

    /** Records {@code pid} as the sandbox of the domain {@code uuid}; replaced atomically, never seen half written. */
    static void write(Path runFolder, long pid, UUID uuid) throws IOException {
        Path tmp = Files.createTempFile(runFolder, ".pid", ".tmp");
        OptionalLong started = startTicks(pid);
        try {
            Files.writeString(tmp, pid + "\n" + uuid + "\n"
                    + (started.isPresent() ? started.getAsLong() + "\n" : ""));
            Files.move(tmp, in(runFolder), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The file's content; empty when there is none or it is not a pid file of ours. */
    static Optional<Content> read(Path pidFile) throws IOException {
        if (!Files.isRegularFile(pidFile, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(pidFile, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (bytes.length > MAX_BYTES) {
            return Optional.empty();
        }
        String[] lines = new String(bytes, StandardCharsets.US_ASCII).split("\n", -1);
        try {
            long pid = Long.parseLong(lines[0].strip());
            if (pid <= 1) {
                return Optional.empty();
            }
            Optional<UUID> uuid = Optional.empty();
            if (lines.length > 1 && !lines[1].isBlank()) {
                UUID u = UUID.fromString(lines[1].strip());
                uuid = u.toString().equals(lines[1].strip()) ? Optional.of(u) : Optional.empty();
            }
            OptionalLong started = OptionalLong.empty();
            if (lines.length > 2 && !lines[2].isBlank()) {
                started = OptionalLong.of(Long.parseUnsignedLong(lines[2].strip()));
            }
            return Optional.of(new Content(pid, uuid, started));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The live sandbox of a domain named {@code name} that {@code home}'s pid file names, whichever domain of that
     * name it was started for; empty when none runs.
     */
    public static Optional<ProcessHandle> live(AirlockHome home, String name) throws IOException {
        QrexecNames.requireDomainName(name);
        Path pidFile = in(home.run().resolve("domains").resolve(name));
        return read(pidFile).flatMap(c -> sandboxOf(name, c));
    }

    /**
     * The live bubblewrap of {@code name} that {@code c} records: with the start recorded, only the process that
     * started then, whatever another process that got the pid since claims on its command line.
     */
    static Optional<ProcessHandle> sandboxOf(String name, Content c) {
        Optional<ProcessHandle> p = sandboxOf(name, c.pid());
        // Checked after the handle is taken: the handle keeps to the process that had the pid then.
        return c.started().isEmpty() || c.started().equals(startTicks(c.pid())) ? p : Optional.empty();
    }

    /**
     * When process {@code pid} started, in clock ticks after boot (field 22 of {@code /proc/PID/stat}): fixed for
     * the process's life and unlike the wall clock never adjusted; empty when there is no such process.
     */
    static OptionalLong startTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
            // The command name (field 2) is in parentheses and may hold spaces and parentheses of its own.
            String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return OptionalLong.of(Long.parseLong(after[22 - 3]));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** The live bubblewrap of {@code name} with that pid: a pid may have been reused since it was written. */
    static Optional<ProcessHandle> sandboxOf(String name, long pid) {
        List<String> argv;
        try {
            argv = List.of(Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).split("\0"));
        } catch (IOException e) {
            return Optional.empty();
        }
        int host = argv.indexOf("--hostname");
        boolean ours = !argv.isEmpty() && argv.getFirst().endsWith("bwrap") && host >= 0 && host + 1 < argv.size()
                && argv.get(host + 1).equals(name);
        return ours ? ProcessHandle.of(pid).filter(ProcessHandle::isAlive) : Optional.empty();
    }

    /**
     * Kills the sandbox and every process in it, and waits (a few seconds at most) until they are gone; returns
     * whether they are.
     */
    public static boolean kill(ProcessHandle bwrap) {
        List<ProcessHandle> all = new ArrayList<>();
        all.add(bwrap);
        bwrap.descendants().forEach(all::add);
        // bwrap's child is the init of the sandbox's PID namespace: killing it kills everything inside, and then
        // bwrap exits. Killing bwrap alone would leave the sandbox running.
        bwrap.children().forEach(ProcessHandle::destroyForcibly);
        bwrap.destroyForcibly();
        all.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STOP_SECONDS);
        try {
            // The kernel kills the rest of the namespace after its init, not at once: wait for the last of them.
            for (ProcessHandle p : all) {
                p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return all.stream().noneMatch(ProcessHandle::isAlive);
        }
    }
}
