package dev.airlock.openinvm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * A client and a {@link FileEditor} joined by two pipes in one process, as the broker joins them: the request
 * ends at the client's EOF, the reply at the service's, and then comes the service's exit code.
 */
final class Harness {
    // Not the common pool: on a small machine it has one thread, and feeder and service must run at once.
    private static final Executor THREADS = Executors.newVirtualThreadPerTaskExecutor();
    final Path home;
    final Path tempRoot;
    final ByteArrayOutputStream serviceErr = new ByteArrayOutputStream();
    private final FileEditor editor;

    Harness(Path root, Duration timeout, long maxBytes, Map<String, String> env) throws IOException {
        this(root, timeout, maxBytes, env, f -> Optional.of("text/plain"));
    }

    Harness(Path root, Duration timeout, long maxBytes, Map<String, String> env, Handlers.MimeDetector detector)
            throws IOException {
        home = Files.createDirectories(root.resolve("home"));
        tempRoot = Files.createDirectories(root.resolve("tmp"));
        editor = new FileEditor(new FileEditor.Settings(timeout, maxBytes, tempRoot, home),
                new Handlers(home, List.of(home.resolve(".mailcap")), detector, env, Handlers.Desktop.none()));
    }

    /** Installs {@code script} as this domain's configured handler ({@code ~/.config/airlock/open-handler}). */
    Harness handler(String script) throws IOException {
        Path h = home.resolve(Handlers.CONFIGURED);
        Files.createDirectories(h.getParent());
        Files.writeString(h, "#!/bin/sh\n" + script + "\n");
        Files.setPosixFilePermissions(h, PosixFilePermissions.fromString("rwx------"));
        return this;
    }

    /** Runs the service on {@code request}; returns its exit code, its reply in {@code reply}. */
    int serve(InputStream request, OutputStream reply) throws IOException, InterruptedException {
        return editor.serve(request, reply, serviceErr);
    }

    String serviceErr() {
        return serviceErr.toString();
    }

    /** The transport a client uses to reach this service. */
    OpenClient.Transport transport() {
        return (request, reply) -> {
            Pipe in = Pipe.open();
            Pipe out = Pipe.open();
            CompletableFuture<Void> feeder = CompletableFuture.runAsync(() -> {
                try (OutputStream sink = Channels.newOutputStream(in.sink())) {
                    request.transferTo(sink);
                } catch (IOException e) {
                    // The service stopped reading: the rest of the request has nowhere to go.
                }
            }, THREADS);
            CompletableFuture<Integer> service = CompletableFuture.supplyAsync(() -> {
                try (InputStream sin = Channels.newInputStream(in.source());
                     OutputStream sout = Channels.newOutputStream(out.sink())) {
                    return serve(sin, sout);
                } catch (IOException e) {
                    return 125;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 125;
                }
            }, THREADS);
            try (InputStream r = Channels.newInputStream(out.source())) {
                r.transferTo(reply);
            }
            try {
                feeder.get();
                return service.get();
            } catch (ExecutionException e) {
                throw new IOException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        };
    }

    /** True when the service left nothing behind in its temporary folder. */
    boolean tempRootEmpty() throws IOException {
        try (var s = Files.list(tempRoot)) {
            return s.findAny().isEmpty();
        }
    }
}
