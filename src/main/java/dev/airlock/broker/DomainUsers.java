package dev.airlock.broker;

import dev.airlock.domain.Registry;
import dev.airlock.sys.TreeOwner;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The host users of domains when the broker runs as root: one of its own per domain home, and the way through
 * airlock's folders that such a user needs to its home and socket (see {@link dev.airlock.sandbox.HostUser}).
 */
final class DomainUsers {
    /**
     * The first host uid and gid of domains when the broker runs as root: each domain gets its own from here on,
     * never root itself, and no account of a person.
     */
    static final int FIRST_DOMAIN_ID = 61000;

    private DomainUsers() {
    }

    /** Whether the broker runs as root, where each domain runs as a host user of its own. */
    static boolean brokerIsRoot() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
    }

    /**
     * As root, a domain runs as the owner of its home, a host user of its own given to the home at its first start:
     * it must pass through airlock's folders to its home and socket (search permission only, no listing), and
     * read the installation and the JDK. Returns that user's id, which is also its group's.
     */
    static int open(AirlockHome home, Path installDir, Path jdkHome, Path folder, Path domainHome, Path sockets)
            throws IOException {
        for (Path p = home.root().toRealPath().getParent(); p != null; p = p.getParent()) {
            if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IOException("domains run as their own host users, which cannot pass through " + p
                        + " to reach " + home.root() + ": set AIRLOCK_HOME to a folder outside it (for example "
                        + Registry.ROOT_HOME + ") or allow passing through it (chmod o+x " + p + ")");
            }
        }
        for (Path p : List.of(home.root(), home.run(), home.run().resolve("domains"), folder.getParent(), folder)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
        }
        int id = homeUser(folder.getParent(), domainHome);
        for (Path p : List.of(sockets, sockets.resolve("channel"))) {
            Files.createDirectories(p);
            Files.setAttribute(p, "unix:gid", id, LinkOption.NOFOLLOW_LINKS);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x---"));
        }
        Path jar = installDir.resolve("airlock.jar");
        if (!worldReadable(jar) || !worldReadable(jdkHome.resolve("bin/java"))) {
            throw new IOException("domains run as their own host users (uid " + id + " here), which cannot read "
                    + jar + " or " + jdkHome + ": make them and every folder above them world-readable (chmod o+rx)");
        }
        return id;
    }

    /**
     * The host user of the domain whose home is {@code domainHome}, in {@code domains}: the home's owner. While
     * root owns the home (a new domain, or one that {@code airlock restore} run as root wrote, whose files are all
     * root's), the lowest free id becomes the owner of the whole home, once, so that the domain can change the
     * files it was given and not only read them. The home is changed last ({@link TreeOwner}), so a failure leaves
     * it root's and the next start tries again.
     */
    static int homeUser(Path domains, Path domainHome) throws IOException {
        int id = (Integer) Files.getAttribute(domainHome, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (id == 0) {
            id = freeId(domains);
            TreeOwner.give(domainHome, id, id);
        }
        return id;
    }

    /** The lowest id from {@link #FIRST_DOMAIN_ID} that owns no domain's home. */
    private static int freeId(Path domains) throws IOException {
        Set<Integer> used = new HashSet<>();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(domains)) {
            for (Path d : all) {
                Path h = d.resolve("home");
                if (Files.isDirectory(h, LinkOption.NOFOLLOW_LINKS)) {
                    used.add((Integer) Files.getAttribute(h, "unix:uid", LinkOption.NOFOLLOW_LINKS));
                }
            }
        }
        int id = FIRST_DOMAIN_ID;
        while (used.contains(id)) {
            id++;
        }
        return id;
    }

    private static boolean worldReadable(Path file) throws IOException {
        Path real = file.toRealPath();
        if (!Files.getPosixFilePermissions(real).contains(PosixFilePermission.OTHERS_READ)) {
            return false;
        }
        for (Path p = real.getParent(); p != null; p = p.getParent()) {
            if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                return false;
            }
        }
        return true;
    }
}
