package dev.airlock.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The host user a domain's processes run as. Inside, every domain is uid and gid {@value Bwrap#INSIDE_ID}; but a
 * user namespace only renames ids, so when the launcher runs as root, bubblewrap's own {@code --uid} would leave
 * the domain as host uid 0, owner of {@code /etc/shadow} and every other root file it can see. As root the
 * launcher therefore first switches to the unprivileged owner of the domain's home with {@code setpriv}.
 */
public sealed interface HostUser permits HostUser.Caller, HostUser.Switched {
    /**
     * The host uid and gid of the class-cache training ({@link AotCache}) when the launcher is root: used by nothing
     * else (below the domains' ids, which start at 61000; not {@code nobody}, whom other host processes run as), so
     * that no other process can touch the file that root then installs for every domain.
     */
    int TRAINING_ID = 60999;

    /** The launcher is not root: bubblewrap runs as the launcher's own user. */
    record Caller() implements HostUser {
    }

    /** The launcher is root: bubblewrap runs as this unprivileged host user and group. */
    record Switched(int uid, int gid) implements HostUser {
        public Switched {
            if (uid <= 0 || gid <= 0) {
                throw new IllegalArgumentException(
                        "a domain never runs as host root (uid " + uid + ", gid " + gid + ")");
            }
        }
    }

    /**
     * The user for a domain whose home (or template home) is {@code home}: the caller when not root, otherwise the
     * home's owner, which the broker sets when it creates the home. A root-owned home is refused: running the
     * domain as its owner would make it root on the host.
     */
    public static HostUser forHome(Path home) throws IOException {
        if (!Bwrap.launcherIsRoot()) {
            return new Caller();
        }
        int uid = (Integer) Files.getAttribute(home, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int gid = (Integer) Files.getAttribute(home, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        if (uid == 0 || gid == 0) {
            throw new IOException("refusing to run a domain as root: its home " + home
                    + " is owned by uid " + uid + ", gid " + gid + "; give it to an unprivileged user and group");
        }
        return new Switched(uid, gid);
    }

}
