package dev.airlock.hostcopy;

import dev.airlock.display.Desktop;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whose {@code ~/QubesIncoming} a domain's copy into the host lands in: the broker's own user, or, when the broker
 * runs as root, the desktop user (the one {@code airlock up} recorded, else {@code AIRLOCK_DESKTOP_USER}, else the
 * user behind sudo). Never root: a root broker with no desktop user refuses such copies, since files a domain sent
 * would otherwise be root's, or root's in a user's home.
 *
 * @param home       the folder that holds {@code QubesIncoming} ({@value #HOME_VARIABLE} overrides it)
 * @param uid        the user the files belong to
 * @param gid        that user's group
 * @param switchUser write as {@code uid}/{@code gid} (the broker is root), rather than as the broker
 */
public record Recipient(Path home, int uid, int gid, boolean switchUser) {
    /** Host setting: the folder whose {@code QubesIncoming} receives, instead of the recipient's home. */
    public static final String HOME_VARIABLE = "AIRLOCK_HOST_INCOMING_HOME";

    public Recipient {
        if (!home.isAbsolute()) {
            throw new IllegalArgumentException("the receiving home must be an absolute path: " + home);
        }
        if (switchUser && (uid <= 0 || gid <= 0)) {
            throw new IllegalArgumentException("files from domains are never written as root");
        }
    }

    /**
     * The recipient for a broker running as {@code euid}/{@code egid} in {@code env}, with the {@code desktop}
     * that {@code airlock up} recorded, if any, and the host's {@code passwd} lines.
     *
     * @throws IllegalStateException with a message for the sender when there is nobody to receive as
     */
    public static Recipient resolve(Map<String, String> env, int euid, int egid, Optional<Desktop> desktop,
                                    List<String> passwd) {
        Optional<Path> chosenHome = Optional.ofNullable(env.get(HOME_VARIABLE)).filter(s -> !s.isEmpty())
                .map(Path::of);
        if (euid != 0) {
            Path home = chosenHome.orElseGet(() -> Path.of(env.getOrDefault("HOME",
                    System.getProperty("user.home"))));
            return new Recipient(home.toAbsolutePath(), euid, egid, false);
        }
        int[] ids = desktop.map(d -> new int[] {d.uid(), d.gid()}).orElse(null);
        String chosen = env.get("AIRLOCK_DESKTOP_USER");
        if (ids == null && chosen != null && !chosen.isEmpty()) {
            ids = Desktop.lookUp(chosen, passwd);
            if (ids == null) {
                throw new IllegalStateException("the host receives no files: no user \"" + chosen
                        + "\" (AIRLOCK_DESKTOP_USER)");
            }
        }
        if (ids == null && env.get("SUDO_UID") != null) {
            ids = Desktop.lookUp(env.get("SUDO_UID"), passwd);
        }
        if (ids == null || ids[0] <= 0 || ids[1] <= 0) {
            throw new IllegalStateException("the host receives no files: airlock runs as root and knows no desktop "
                    + "user to receive them as (never root); set AIRLOCK_DESKTOP_USER for the broker");
        }
        int uid = ids[0];
        Path home = chosenHome.or(() -> Desktop.homeOf(uid, passwd)).orElseThrow(() -> new IllegalStateException(
                "the host receives no files: the desktop user " + uid + " has no home folder"));
        return new Recipient(home, uid, ids[1], true);
    }
}
