package dev.airlock.cli;

import dev.airlock.door.DoorRequest;
import dev.airlock.sys.Posix;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * Who a command runs for: this process, or a thin client whose request a resident broker or agent runs. Commands
 * read the environment, the standard streams and whether they are terminals here, never from {@code System}: in a
 * resident JVM those are the server's, not the caller's.
 *
 * @param request the client's request, or null for this process
 * @param ifLost where a command says what its client should show if the resident process dies before the end
 *               (the message the command itself would print in that case); ignored for this process
 */
record Invocation(Map<String, String> env, InputStream in, OutputStream out, OutputStream err,
                  DoorRequest request, Consumer<String> ifLost) {
    private static final ScopedValue<Invocation> CURRENT = ScopedValue.newInstance();

    /** The invocation of the command running on this thread: a client's, else this process's. */
    static Invocation current() {
        return CURRENT.isBound() ? CURRENT.get() : process();
    }

    private static Invocation process() {
        // Not closed by anyone: they are the process's own standard streams.
        return new Invocation(System.getenv(), new FileInputStream(FileDescriptor.in),
                new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err), null, message -> { });
    }

    /** Runs {@code body} as {@code invocation}. */
    static <T> T call(Invocation invocation, Callable<T> body) throws Exception {
        return ScopedValue.where(CURRENT, invocation).call(body::call);
    }

    /** Standard error as a print stream, for the progress displays. */
    PrintStream errPrint() {
        return request != null ? new PrintStream(err, true, StandardCharsets.UTF_8) : System.err;
    }

    /** Whether standard stream {@code fd} (0, 1, 2) of the caller is a terminal. */
    boolean isTerminal(int fd) {
        return request != null ? request.isTerminal(fd) : Posix.isatty(fd);
    }

    /** Each of {@code paths} against the caller's working directory (see {@link #resolve}). */
    java.util.List<String> resolveAll(java.util.List<String> paths) {
        if (!elsewhere()) {
            return paths;
        }
        return paths.stream().map(p -> resolve(Path.of(p)).toString()).toList();
    }

    /**
     * {@code p} against the caller's working directory (a relative path on a client's command line is its). Left
     * as typed when that is this JVM's own (an agent's is the domain's home, where people mostly type), so that
     * messages name files as the user wrote them; elsewhere they name the absolute path.
     */
    Path resolve(Path p) {
        return elsewhere() ? Path.of(request.cwd()).resolve(p) : p;
    }

    private boolean elsewhere() {
        return request != null && !request.cwd().equals(System.getProperty("user.dir"));
    }
}
