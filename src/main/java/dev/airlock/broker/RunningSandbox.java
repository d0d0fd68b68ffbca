package dev.airlock.broker;

import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One sandbox this broker started or adopted: bubblewrap's process (the parent of the sandbox's PID namespace), the
 * uuid of the domain it was started for, its socket, and its agent's control channel. The domain counts as running
 * while the channel is up; the agent may replace it by reconnecting.
 */
final class RunningSandbox {
    private final ProcessHandle process;
    private final UUID uuid;
    private final AgentListener listener;
    private final Path console;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final AtomicReference<AgentLink> link = new AtomicReference<>();

    RunningSandbox(ProcessHandle process, UUID uuid, AgentListener listener, Path console) {
        this.process = process;
        this.uuid = uuid;
        this.listener = listener;
        this.console = console;
    }

    ProcessHandle process() {
        return process;
    }

    UUID uuid() {
        return uuid;
    }

    /** Completes when the agent first connects; fails when the sandbox is let go of first. */
    CompletableFuture<Void> ready() {
        return ready;
    }

    /** True when the agent is connected and the sandbox alive. */
    boolean isReady() {
        return link.get() != null && process.isAlive();
    }

    /** A newly connected agent: it replaces the old control channel, if any. */
    AgentLink connected(UnixSocket ch) {
        AgentLink fresh = new AgentLink(ch);
        AgentLink old = link.getAndSet(fresh);
        if (old != null) {
            old.close();
        }
        ready.complete(null);
        return fresh;
    }

    /** {@code closed} is gone, unless a newer channel has replaced it already. */
    void disconnected(AgentLink closed) {
        link.compareAndSet(closed, null);
    }

    /** The control channel, or null when the agent is not connected. */
    AgentLink link() {
        return link.get();
    }

    /** Lets go of the sandbox of {@code name}: closes its channel and socket, and fails a wait for it to start. */
    void release(String name) {
        AgentLink l = link.getAndSet(null);
        if (l != null) {
            l.close();
        }
        ready.completeExceptionally(new IOException("domain " + name + " stopped"));
        try {
            listener.close();
        } catch (IOException e) {
            // The socket file is replaced at the next start.
        }
    }

    /** The last lines the sandbox wrote, for an error message. */
    String consoleTail() {
        try {
            List<String> lines = Files.readAllLines(console);
            String s = String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
            return s.isBlank() ? "(none)" : s;
        } catch (IOException e) {
            return "(none)";
        }
    }
}
