package dev.airlock.display;

import dev.airlock.log.Log;
import dev.airlock.text.TerminalText;

import java.lang.System.Logger.Level;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The person's desktop that domains show their windows on: the X display (under Wayland, XWayland's), its cookie
 * file if any, and the desktop user, who runs the host clients. Never uid 0: a client decodes what a domain sends.
 * Recorded by {@code airlock up} in {@code run/desktop}, so that a restarted broker knows it.
 *
 * @param display    the X display name ({@code :0}, {@code :1.0}); only local displays
 * @param xauthority the desktop's cookie file, or empty to let the client use the desktop user's default
 * @param uid        the desktop user
 * @param gid        the desktop user's group
 * @param sessionBus the desktop user's D-Bus session bus, where notifications go, if the session has one
 */
public record Desktop(String display, Optional<Path> xauthority, int uid, int gid, Optional<SessionBus> sessionBus) {
    private static final System.Logger LOG = Log.of("airlock");

    /** The file in {@code run/} that records it. */
    public static final String FILE = "desktop";
    /** A local display only: a TCP display would send the domains' pixels over the network. */
    private static final Pattern DISPLAY = Pattern.compile(":[0-9]{1,5}(\\.[0-9]{1,3})?");
    private static final int MAX_BYTES = 4096;

    public Desktop {
        if (!DISPLAY.matcher(display).matches()) {
            throw new IllegalArgumentException("not a local X display: " + display);
        }
        xauthority.ifPresent(p -> {
            if (!p.isAbsolute() || p.toString().indexOf('\n') >= 0) {
                throw new IllegalArgumentException("XAUTHORITY must be an absolute path");
            }
        });
        if (uid <= 0 || gid <= 0) {
            throw new IllegalArgumentException("the desktop user is never root (uid " + uid + ", gid " + gid + ")");
        }
    }

    /** A desktop without a session bus: no notifications. */
    public Desktop(String display, Optional<Path> xauthority, int uid, int gid) {
        this(display, xauthority, uid, gid, Optional.empty());
    }

    /**
     * {@code setpriv} to the desktop user in front of {@code argv}: what a root broker runs on the desktop (a display
     * client, a notification) runs as the person, never as root.
     */
    public List<String> asDesktopUser(List<String> argv) {
        List<String> a = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=" + uid, "--regid=" + gid,
                "--clear-groups", "--"));
        a.addAll(argv);
        return a;
    }

    /** What {@code airlock up} found in its environment. */
    public sealed interface Found permits Known, Absent, Refused {
    }

    /** A desktop, with the user who runs the clients. */
    public record Known(Desktop desktop) implements Found {
    }

    /** No display in the environment: domains show no windows, as before there were any. */
    public record Absent() implements Found {
    }

    /** A display, but no one to show it as: {@code message} says why and what to do. */
    public record Refused(String message) implements Found {
    }

    /**
     * The desktop of an environment: {@code AIRLOCK_DISPLAY} or {@code DISPLAY} (under Wayland, XWayland's), and
     * the desktop user: {@code AIRLOCK_DESKTOP_USER} (a name or uid), else {@code SUDO_UID}/{@code SUDO_GID} when
     * root through sudo, else the caller, unless the caller is root; the session bus of
     * {@code DBUS_SESSION_BUS_ADDRESS} when it is a local one (else none: no notifications).
     *
     * @param callerUid the uid of the process asking
     * @param callerGid its gid
     * @param passwd    the host's user database ({@code /etc/passwd} lines), to look names up
     */
    public static Found from(Map<String, String> env, int callerUid, int callerGid, List<String> passwd) {
        String display = firstSet(env, "AIRLOCK_DISPLAY", "DISPLAY");
        if (display == null) {
            return env.containsKey("WAYLAND_DISPLAY")
                    ? new Refused("domains show no windows: this Wayland session has no XWayland display (DISPLAY "
                    + "is not set); set AIRLOCK_DISPLAY to XWayland's display, for example :0")
                    : new Absent();
        }
        if (!DISPLAY.matcher(display).matches()) {
            return new Refused("domains show no windows: " + quoted(display) + " is not a local X display "
                    + "(expected :N); set AIRLOCK_DISPLAY");
        }
        Optional<Path> xauthority = Optional.ofNullable(env.get("XAUTHORITY")).filter(s -> !s.isEmpty())
                .map(Path::of).filter(Path::isAbsolute);
        int uid;
        int gid;
        String chosen = env.get("AIRLOCK_DESKTOP_USER");
        if (chosen != null && !chosen.isEmpty()) {
            int[] ids = lookUp(chosen, passwd);
            if (ids == null) {
                return new Refused("domains show no windows: no user " + quoted(chosen)
                        + " (AIRLOCK_DESKTOP_USER)");
            }
            uid = ids[0];
            gid = ids[1];
        } else if (callerUid == 0 && env.get("SUDO_UID") != null) {
            uid = number(env.get("SUDO_UID"));
            gid = number(env.getOrDefault("SUDO_GID", ""));
        } else {
            uid = callerUid;
            gid = callerGid;
        }
        if (uid <= 0 || gid <= 0) {
            return new Refused("domains show no windows: airlock runs as root and knows no desktop user to show "
                    + "them as (never root); run airlock up with sudo from the desktop session, or set "
                    + "AIRLOCK_DESKTOP_USER to the desktop's user");
        }
        if (callerUid != 0 && uid != callerUid) {
            return new Refused("domains show no windows: AIRLOCK_DESKTOP_USER names another user, whom only root "
                    + "can run the display clients as");
        }
        if (xauthority.isEmpty()) {
            // The client gets a private HOME, so the X default (~/.Xauthority of the desktop user) is named here.
            xauthority = homeOf(uid, passwd).map(h -> h.resolve(".Xauthority")).filter(Files::isRegularFile);
        }
        return new Known(new Desktop(display, xauthority, uid, gid,
                SessionBus.of(env.get("DBUS_SESSION_BUS_ADDRESS"))));
    }

    /** Records this desktop in {@code run}, replacing the earlier record. */
    public void save(Path run) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("display=").append(display).append('\n');
        xauthority.ifPresent(p -> b.append("xauthority=").append(p).append('\n'));
        b.append("uid=").append(uid).append('\n').append("gid=").append(gid).append('\n');
        sessionBus.ifPresent(bus -> b.append("bus=").append(bus.address()).append('\n'));
        Path tmp = run.resolve("." + FILE + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, b);
        Files.move(tmp, run.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Forgets the recorded desktop: domains started from now on show no windows. */
    public static void forget(Path run) throws IOException {
        Files.deleteIfExists(run.resolve(FILE));
    }

    /**
     * The desktop recorded in {@code run}, or empty when none is; a record that does not parse counts as none (and
     * is reported), so a damaged file never shows windows as root or on another display.
     */
    public static Optional<Desktop> load(Path run) {
        Path file = run.resolve(FILE);
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new IOException("larger than " + MAX_BYTES + " bytes");
            }
            return Optional.of(parse(new String(Files.readAllBytes(file), StandardCharsets.UTF_8)));
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(Level.WARNING, "ignoring " + file + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    static Desktop parse(String text) throws IOException {
        Map<String, String> values = new HashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IOException("not key=value: " + quoted(line));
            }
            String key = line.substring(0, eq);
            if (!List.of("display", "xauthority", "uid", "gid", "bus").contains(key)) {
                throw new IOException("unknown key " + quoted(key));
            }
            if (values.put(key, line.substring(eq + 1)) != null) {
                throw new IOException(key + " is given twice");
            }
        }
        String display = values.get("display");
        if (display == null || values.get("uid") == null || values.get("gid") == null) {
            throw new IOException("display, uid and gid are needed");
        }
        int uid = number(values.get("uid"));
        int gid = number(values.get("gid"));
        if (uid < 0 || gid < 0) {
            throw new IOException("uid and gid must be numbers");
        }
        // A record written before notifications has no bus: it still parses, and the desktop gets none.
        return new Desktop(display, Optional.ofNullable(values.get("xauthority")).map(Path::of), uid, gid,
                Optional.ofNullable(values.get("bus")).map(SessionBus::new));
    }

    /** A uid (with the gid its passwd entry gives, else the same number) or a user name: {uid, gid}, or null. */
    public static int[] lookUp(String user, List<String> passwd) {
        boolean numeric = user.chars().allMatch(c -> c >= '0' && c <= '9') && user.length() <= 9;
        for (String line : passwd) {
            String[] f = line.split(":", -1);
            if (f.length >= 4 && (numeric ? f[2].equals(user) : f[0].equals(user))) {
                int uid = number(f[2]);
                int gid = number(f[3]);
                return uid < 0 || gid < 0 ? null : new int[] {uid, gid};
            }
        }
        return numeric ? new int[] {number(user), number(user)} : null;
    }

    /** The home folder of {@code uid} in {@code passwd} lines, when it has an absolute one. */
    public static Optional<Path> homeOf(int uid, List<String> passwd) {
        for (String line : passwd) {
            String[] f = line.split(":", -1);
            if (f.length >= 6 && f[2].equals(Integer.toString(uid)) && f[5].startsWith("/")) {
                return Optional.of(Path.of(f[5]));
            }
        }
        return Optional.empty();
    }

    private static String firstSet(Map<String, String> env, String... names) {
        for (String n : names) {
            String v = env.get(n);
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    /** A non-negative decimal int, or -1. */
    private static int number(String s) {
        if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        return Integer.parseInt(s);
    }

    private static String quoted(String s) {
        return "\"" + TerminalText.escape(s) + "\"";
    }
}
