package dev.airlock.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * The broker ({@code airlockd}, the host's "dom0" role): one long-running process per user that owns the admin
 * socket. This stage serves the admin plane (ping and stop); domains and calls attach to it.
 */
public final class Broker implements AutoCloseable {
    private final AirlockHome home;
    private final AdminServer admin;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private Broker(AirlockHome home, Map<String, Function<JsonNode, ObjectNode>> handlers) throws IOException {
        this.home = home;
        handlers.put("ping", r -> AdminServer.ok().put("pid", ProcessHandle.current().pid()));
        handlers.put("stop", r -> {
            Thread.ofPlatform().start(this::close);
            return AdminServer.ok();
        });
        this.admin = AdminServer.start(home, handlers);
    }

    /**
     * Starts a broker for {@code home}. Refuses when another broker already answers there; a socket left by a
     * broker that died is replaced.
     */
    public static Broker start(AirlockHome home) throws IOException {
        home.ensureCreated();
        if (new AdminClient(home).isRunning()) {
            throw new IOException("a broker is already running for " + home.root());
        }
        return new Broker(home, new HashMap<>());
    }

    /** Blocks until the broker stops (a {@code stop} request or {@link #close}). */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        try {
            admin.close();
            Files.deleteIfExists(home.adminSocket());
        } catch (IOException e) {
            // Stopping anyway: a leftover socket file is replaced by the next broker.
        } finally {
            stopped.countDown();
        }
    }
}
