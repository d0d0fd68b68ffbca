package dev.airlock.cli;

import dev.airlock.domain.Registry;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The {@code --home} option of the commands that work on the domain registry, and opening the registry. */
final class HomeOption {

    @Option(names = "--home", paramLabel = "DIR",
            description = "airlock's home folder, which holds domains.xml (default: $AIRLOCK_HOME, else "
                    + "$XDG_DATA_HOME/airlock, i.e. ~/.local/share/airlock; /var/lib/airlock for root).")
    Path home;

    /** The home folder: the option, else the environment's. */
    Path resolved() {
        return home != null ? Invocation.current().resolve(home) : Registry.defaultHome(Invocation.current().env());
    }

    Registry registry() throws IOException {
        return Registry.open(resolved());
    }

    /** An I/O step inside a registry update. */
    interface IoStep {
        void run() throws IOException;
    }

    /** Runs {@code step} inside an update, whose change function cannot throw checked exceptions. */
    static void inUpdate(IoStep step) {
        try {
            step.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Unwraps the exception that {@link #inUpdate} wrapped, so the user sees its own message. */
    static IOException unwrap(UncheckedIOException e) {
        return e.getCause();
    }
}
