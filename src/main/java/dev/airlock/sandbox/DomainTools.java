package dev.airlock.sandbox;

import dev.airlock.contract.InDomain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The Qubes commands a domain's user types ({@code qvm-copy}, {@code qvm-move-to-vm}...): one small script each,
 * running the installed jar, so that they are on the domain's {@code PATH} under their Qubes names.
 */
public final class DomainTools {
    /** The commands, each an {@code airlock} subcommand of the same name. */
    static final List<String> COMMANDS = List.of("qvm-copy", "qvm-copy-to-vm", "qvm-move", "qvm-move-to-vm",
            "qvm-copy-to-dom0", "qvm-move-to-dom0",
            "qrexec-client-vm", "qvm-open-in-vm", "qvm-open-in-dvm", "qubes_penctl", "qubesdb-read",
            "qubesdb-write", "qubesdb-watch", "airlock-desktop");

    /** The commands the agent's door serves (cli.ResidentCommands.DOMAIN). */
    static final List<String> THIN = List.of("qvm-copy", "qvm-copy-to-vm", "qvm-move", "qvm-move-to-vm",
            "qvm-copy-to-dom0", "qvm-move-to-dom0", "qvm-open-in-vm", "qvm-open-in-dvm", "qrexec-client-vm",
            "qubesdb-read", "qubesdb-write", "qubes_penctl");

    /**
     * The options of every JVM in a domain. C1 only and the serial collector: short-lived processes on few cores.
     * The JVM's own warnings go to stderr: by default it logs to stdout, which qrexec-client-vm passes on as the
     * service's input. A small initial heap (issue 16: an agent under 64 MB resident): the default, 1/64 of the
     * machine's memory, gave a young generation that the agent filled with garbage before its first collection;
     * the heap still grows to the maximum when a large tree needs it. The native heap is trimmed every 5 s: the
     * C library keeps what a burst of calls (their threads, the compiler) freed. Direct memory is capped: buffers
     * of finished calls are freed only by a collection, which a small heap seldom needs, and the cap forces one
     * (a copy takes 1 MiB on each side: 64 MiB leave room for dozens at once, as a domain under load needs; 16 MiB
     * made more than a dozen concurrent copies wait for a collection and could fail).
     */
    public static final List<String> JVM_OPTIONS = List.of("--enable-native-access=ALL-UNNAMED",
            "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xms8m", "-Xmx512m", "-XX:+UseCompactObjectHeaders",
            "-XX:TrimNativeHeapInterval=5000", "-XX:MaxDirectMemorySize=64m",
            "-Xlog:disable", "-Xlog:all=warning:stderr");

    private DomainTools() {
    }

    /** Writes the scripts into {@code folder} (created if need be) and returns it. */
    public static Path write(Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String command : COMMANDS) {
            // Replaced whole, never rewritten in place: a running domain may be starting the old one.
            Path tmp = folder.resolve("." + command + ".tmp");
            Files.writeString(tmp, script(command));
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(tmp, folder.resolve(command), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        }
        return folder;
    }

    static String script(String command) {
        // The cache is checked at each start: the broker makes it in the background, after the first domains
        // started, which therefore run without it (it is bound into a domain only if it exists when it starts).
        // While the agent serves its door the command is a thin client, which mapping the full cache slows down
        // (it loads a few dozen classes): the cache is for commands the client runs itself.
        String thin = THIN.contains(command) ? "[ -e " + InDomain.DOOR + "/server ] && aot=\n" : "";
        return "#!/bin/sh\naot=\n[ -r " + AotCache.IN_DOMAIN + " ] && aot=-XX:AOTCache=" + AotCache.IN_DOMAIN
                + "\n" + thin + "exec \"$JAVA_HOME/bin/java\" " + String.join(" ", JVM_OPTIONS) + " $aot -jar " + InDomain.INSTALL
                + "/airlock.jar " + command + " \"$@\"\n";
    }
}
