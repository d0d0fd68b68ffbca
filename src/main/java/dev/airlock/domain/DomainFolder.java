package dev.airlock.domain;

import dev.airlock.sys.Trees;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A domain's files on the host: {@code domains/NAME/} in the home folder (see {@link Registry#domainFolder}),
 * with the domain's home in {@code home/}. Only the user can enter them. Symbolic links inside are never
 * followed, and a {@code domains} folder that is a link is refused, so that nothing outside can be deleted.
 */
public final class DomainFolder {

    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private DomainFolder() {
    }

    /**
     * Creates the folder and its {@code home/}.
     *
     * @throws FileAlreadyExistsException if the folder exists: files left from an earlier domain of the same
     *                                    name must never be handed to a new one
     */
    public static void create(Path folder) throws IOException {
        Path domains = folder.getParent();
        if (!Files.isDirectory(domains, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.isSymbolicLink(domains)) {
                throw new IOException(domains + " is a symbolic link; airlock does not follow it");
            }
            Files.createDirectories(domains, PRIVATE);
        }
        if (Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(folder.toString(), null, "the folder exists already, left from an "
                    + "earlier domain of that name; remove it or choose another name");
        }
        Files.createDirectory(folder, PRIVATE);
        Files.createDirectory(folder.resolve("home"), PRIVATE);
    }

    /**
     * Deletes the folder and everything in it, if it exists; a symbolic link is removed, never followed. The
     * domain's home is the domain's to change, so it is deleted by descriptor and, as root, as its owner
     * ({@link Trees#deleteForcibly}).
     */
    public static void delete(Path folder) throws IOException {
        Path domains = folder.getParent();
        if (Files.isSymbolicLink(domains)) {
            throw new IOException(domains + " is a symbolic link; airlock does not follow it");
        }
        if (!Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Trees.deleteForcibly(folder);
    }
}
