package dev.airlock.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The user database a domain sees: its own {@code /etc/passwd} and {@code /etc/group}, bound read-only over the
 * host's, in which uid {@value Bwrap#INSIDE_ID} would carry the name and home of whichever host account has it.
 * Inside, the domain's user is {@value #USER} with home {@value Bwrap#HOME}; the ids a user namespace does not map
 * show as {@code nobody}.
 */
public final class DomainIdentity {
    /** The name of the domain's user, as in a Qubes domain. */
    public static final String USER = "user";
    static final String PASSWD = "root:x:0:0:root:/root:/usr/sbin/nologin\n"
            + USER + ":x:" + Bwrap.INSIDE_ID + ":" + Bwrap.INSIDE_ID + ":" + USER + ":" + Bwrap.HOME + ":/bin/sh\n"
            + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
    static final String GROUP = "root:x:0:\n" + USER + ":x:" + Bwrap.INSIDE_ID + ":\nnogroup:x:65534:\n";

    private DomainIdentity() {
    }

    /** Writes {@code passwd} and {@code group} into {@code folder} (created if need be) and returns it. */
    public static Path write(Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        replace(folder, "passwd", PASSWD);
        replace(folder, "group", GROUP);
        return folder;
    }

    private static void replace(Path folder, String name, String content) throws IOException {
        // Replaced whole: a starting domain may be binding the old file.
        Path tmp = folder.resolve("." + name + ".tmp");
        Files.writeString(tmp, content);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(tmp, folder.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
