package dev.airlock.broker;

import dev.airlock.domain.Domain;
import dev.airlock.domain.Registry;
import dev.airlock.log.Log;
import dev.airlock.qrexec.QrexecNames;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * Decides which of the sandboxes an earlier broker left running may be adopted: each one whose pid file names a
 * live bubblewrap of that domain, started for the domain of that name the registry holds now (same uuid). A sandbox
 * of a domain that was removed meanwhile (or recorded without a uuid) is killed, never adopted, so that it cannot
 * pass for a new domain of the same name. Pid files of processes that are gone are removed.
 */
final class SandboxAdoption {
    private static final System.Logger LOG = Log.of("airlock");

    /** Takes over one sandbox that may be adopted. */
    @FunctionalInterface
    interface Adopter {
        void adopt(String name, Path folder, ProcessHandle sandbox, UUID uuid) throws IOException;
    }

    private SandboxAdoption() {
    }

    /** Goes through {@code run/domains}, handing each sandbox that may be adopted to {@code adopter} in turn. */
    static void scan(AirlockHome home, Registry registry, Adopter adopter) throws IOException {
        Path all = home.run().resolve("domains");
        if (!Files.isDirectory(all)) {
            return;
        }
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(all)) {
            for (Path folder : folders) {
                Path pidFile = SandboxPidFile.in(folder);
                String name = folder.getFileName().toString();
                if (!Files.isRegularFile(pidFile, LinkOption.NOFOLLOW_LINKS) || !QrexecNames.isDomainName(name)) {
                    continue;
                }
                Optional<SandboxPidFile.Content> content = SandboxPidFile.read(pidFile);
                Optional<ProcessHandle> sandbox = content.flatMap(c -> SandboxPidFile.sandboxOf(name, c));
                if (sandbox.isEmpty()) {
                    Files.delete(pidFile);
                    continue;
                }
                Optional<UUID> current = registry.read(d -> d.get(name)).map(Domain::uuid);
                Optional<UUID> recorded = content.get().uuid();
                if (current.isEmpty() || !current.equals(recorded)) {
                    boolean gone = SandboxPidFile.kill(sandbox.get());
                    LOG.log(Level.WARNING, (gone ? "killed" : "could not kill") + " the sandbox of domain "
                            + name + " (pid " + sandbox.get().pid() + ") left by an earlier broker: it was started "
                            + (recorded.isEmpty() ? "without a domain uuid"
                            : "for domain uuid " + recorded.get() + ", and the registry "
                            + current.map(u -> "now has " + u).orElse("has no such domain any more"))
                            + "; not adopted");
                    if (gone) {
                        Files.deleteIfExists(pidFile);
                    }
                    continue;
                }
                adopter.adopt(name, folder, sandbox.get(), recorded.get());
            }
        }
    }
}
