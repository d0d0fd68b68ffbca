package dev.airlock.broker;

import dev.airlock.domain.Registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * airlock's state folder ({@code $AIRLOCK_HOME}, default {@code $XDG_DATA_HOME/airlock}, that is
 * {@code ~/.local/share/airlock}) and the paths in it.
 */
public record AirlockHome(Path root) {

    /** The folder named by the environment. */
    public static AirlockHome fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** The folder named by {@code env}. */
    public static AirlockHome fromEnvironment(Map<String, String> env) {
        return new AirlockHome(Registry.defaultHome(env));
    }

    /** Sockets and the broker's pid file; private to the user (0700). */
    public Path run() {
        return root.resolve("run");
    }

    public Path adminSocket() {
        return run().resolve("admin.sock");
    }

    public Path brokerLog() {
        return run().resolve("broker.log");
    }

    public Path auditLog() {
        return root.resolve("audit.jsonl");
    }

    /** Creates the state folder and {@code run/} with owner-only permissions. */
    public void ensureCreated() throws IOException {
        Files.createDirectories(root);
        Files.createDirectories(run());
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(run(), PosixFilePermissions.fromString("rwx------"));
    }
}
