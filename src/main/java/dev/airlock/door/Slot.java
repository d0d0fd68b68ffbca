package dev.airlock.door;

import dev.airlock.contract.InDomain;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * One request's pair of named pipes in a door, claimed by renaming its folder from {@code free.N} to
 * {@code taken.N}: rename is atomic, so of two clients racing for a slot exactly one gets it.
 */
public record Slot(File door, String number, long pid) {
    /** The prefix of a slot ready for a client. */
    public static final String FREE = "free.";
    /** The prefix of a slot a client has claimed. */
    public static final String TAKEN = "taken.";
    /** The file in a door naming its server: {@code PID START-TIME}, so that a dead server's door is recognised. */
    public static final String SERVER_FILE = "server";
    /** The pipe a client writes. */
    public static final String UP = "up";
    /** The pipe a client reads. */
    public static final String DOWN = "down";

    /** Claims a free slot of a live server's door, or empty (no door, a dead server's door, every slot taken). */
    public static Optional<Slot> claim(File door) {
        Optional<String> server = readSmall(new File(door, SERVER_FILE), 64);
        if (server.isEmpty()) {
            return Optional.empty();
        }
        long pid = alivePid(server.get().trim());
        if (pid <= 0) {
            return Optional.empty();
        }
        String[] names = door.list();
        if (names == null) {
            return Optional.empty();
        }
        Arrays.sort(names);
        for (String name : names) {
            if (name.startsWith(FREE)) {
                String number = name.substring(FREE.length());
                if (new File(door, name).renameTo(new File(door, TAKEN.concat(number)))) {
                    return Optional.of(new Slot(door, number, pid));
                }
            }
        }
        return Optional.empty();
    }

    /** The pid in {@code line} ("PID START-TIME") when that process still runs, else 0. */
    static long alivePid(String line) {
        int space = line.indexOf(' ');
        if (space < 1 || space > 10 || line.indexOf(' ', space + 1) >= 0 || !digits(line, 0, space)) {
            return 0;
        }
        long pid = Long.parseLong(line, 0, space, 10);
        Optional<String> start = startTime(pid);
        return start.isPresent() && start.get().equals(line.substring(space + 1)) ? pid : 0;
    }

    private static boolean digits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * Field 22 of {@code /proc/PID/stat}: tells a process from a later one that reuses its pid. (The client avoids
     * lambdas, streams and string concatenation: each first use links an invokedynamic site at start-up.)
     */
    public static Optional<String> startTime(long pid) {
        Optional<String> stat = readSmall(new File("/proc/".concat(Long.toString(pid)).concat("/stat")), 1024);
        if (stat.isEmpty()) {
            return Optional.empty();
        }
        // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
        String s = stat.get();
        int at = s.lastIndexOf(')');
        if (at < 0) {
            return Optional.empty();
        }
        at += 2;
        for (int field = 3; field < 22 && at > 0; field++) {
            at = s.indexOf(' ', at) + 1;
        }
        int end = at > 0 ? s.indexOf(' ', at) : -1;
        return end > at && digits(s, at, end) ? Optional.of(s.substring(at, end)) : Optional.empty();
    }

    private File taken() {
        return new File(door, TAKEN.concat(number));
    }

    /** Opens the server's pipe; does not block, since the server holds it open for writing. */
    public InputStream openDown() throws IOException {
        return new FileInputStream(new File(taken(), DOWN));
    }

    public OutputStream openUp() throws IOException {
        return new FileOutputStream(new File(taken(), UP));
    }

    /** Gives an unused slot back. */
    public void abandon() {
        taken().renameTo(new File(door, FREE.concat(number)));
    }

    /** Who serves this door, for messages. */
    public String serverName() {
        return door.getPath().equals(InDomain.DOOR) ? "agent" : "broker";
    }

    /** Reads a small file whole, or empty when it cannot be read. */
    static Optional<String> readSmall(File f, int max) {
        try (InputStream in = new FileInputStream(f)) {
            return Optional.of(new String(in.readNBytes(max), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
