package dev.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.broker.AdminClient;

import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Watches the broker's ask queue while {@code airlock copy} or {@code open-in-dvm} runs, for the call it started,
 * and puts the policy's question to the user: on this terminal when there is one (the host's trusted path), else as a hint to answer
 * with {@code airlock pending} and {@code airlock approve|deny} elsewhere.
 */
final class AskPrompt implements AutoCloseable {
    private static final String FILECOPY = "qubes.Filecopy";
    private static final String ALLOW_ALL_NAMES = "allow-all-names";
    private static final long POLL_MILLIS = 100;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(1);

    private final AdminClient client;
    private final String source;
    private final String service;
    private final PrintWriter err;
    private final Console console;
    private final Set<Integer> seen;
    private final Thread watcher;

    private AskPrompt(AdminClient client, String source, String service, PrintWriter err, Set<Integer> seen) {
        this.client = client;
        this.source = source;
        this.service = service;
        this.err = err;
        Console c = System.console();
        this.console = c != null && c.isTerminal() ? c : null;
        this.seen = seen;
        this.watcher = Thread.ofVirtual().name("airlock-ask-prompt").unstarted(this::watch);
    }

    /** Starts watching for a file copy; calls already waiting are someone else's and are left alone. */
    static AskPrompt start(AdminClient client, String source, PrintWriter err) throws IOException {
        return start(client, source, FILECOPY, err);
    }

    /** Starts watching for a call of {@code service}; calls already waiting are left alone. */
    static AskPrompt start(AdminClient client, String source, String service, PrintWriter err) throws IOException {
        Set<Integer> before = new HashSet<>();
        for (JsonNode c : pending(client)) {
            before.add(c.path("id").asInt());
        }
        AskPrompt p = new AskPrompt(client, source, service, err, before);
        p.watcher.start();
        return p;
    }

    private static JsonNode pending(AdminClient client) throws IOException {
        return client.call(AdminClient.request("pending")).path("calls");
    }

    private void watch() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                for (JsonNode c : pending(client)) {
                    int id = c.path("id").asInt();
                    if (seen.add(id) && source.equals(c.path("source").asText())
                            && service.equals(c.path("service").asText())) {
                        answer(id, c);
                    }
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // Closing interrupts a poll in flight (ClosedByInterruptException): the copy is over, nothing failed.
            if (!Thread.currentThread().isInterrupted()) {
                err.println("ERROR: cannot watch the broker's questions: " + Messages.describe(e));
            }
        }
    }

    /** An answer the broker refuses (the call timed out meanwhile) is reported; watching goes on. */
    private void answer(int id, JsonNode call) {
        try {
            ask(id, call);
        } catch (IOException e) {
            err.println("ERROR: " + Messages.describe(e));
        }
    }

    private void ask(int id, JsonNode call) throws IOException {
        List<String> targets = new ArrayList<>();
        call.path("targets").forEach(t -> targets.add(t.asText()));
        String dflt = call.hasNonNull("default") ? call.get("default").asText() : null;
        if (dflt == null && targets.size() == 1) {
            dflt = targets.getFirst();
        }
        String requested = call.path("target").asText();
        String argument = call.path("argument").asText();
        String full = argument.isEmpty() ? service : service + "+" + argument;
        String what = source + (service.equals(FILECOPY) ? " wants to copy files to " : " wants to call " + service
                + " in ") + (requested.equals(FileCopySender.DEFAULT_TARGET) ? "a domain you choose" : requested)
                + " (" + full + ", call " + id + ")";
        if (service.equals(FILECOPY) && argument.equals(ALLOW_ALL_NAMES)) {
            // The receiver then takes names it would refuse: terminal escapes, right-to-left overrides, look-alikes.
            what += ", with names of any characters, which may disguise what a file is";
        }
        if (console == null) {
            err.println("airlock: " + Messages.safe(what + ". Answer in another terminal: airlock pending, then "
                    + "airlock approve " + id + " [--target " + String.join("|", targets) + "] or airlock deny "
                    + id));
            return;
        }
        err.println("airlock: " + Messages.safe(what) + ".");
        err.println("  targets: " + Messages.safe(String.join(", ", targets)));
        String question = dflt == null
                ? "  Send to which target? (name, or n to deny) "
                : "  Send to " + Messages.safe(dflt) + "? (y = yes, n = deny, or another target's name) [y] ";
        String line = console.readLine("%s", question);
        String answer = line == null ? "n" : line.strip();
        var request = AdminClient.request("approve").put("id", id);
        if (answer.equalsIgnoreCase("n") || answer.equalsIgnoreCase("no")) {
            client.call(AdminClient.request("deny").put("id", id));
            err.println("airlock: denied");
            return;
        }
        if (answer.isEmpty() || answer.equalsIgnoreCase("y") || answer.equalsIgnoreCase("yes")) {
            if (dflt == null) {
                client.call(AdminClient.request("deny").put("id", id));
                err.println("airlock: no target chosen: denied");
                return;
            }
            answer = dflt;
        }
        if (!targets.contains(answer)) {
            client.call(AdminClient.request("deny").put("id", id));
            err.println("airlock: " + Messages.safe(answer) + " was not offered: denied");
            return;
        }
        client.call(request.put("target", answer));
        err.println("airlock: approved, " + (service.equals(FILECOPY) ? "copying" : "calling") + " to "
                + Messages.safe(answer));
    }

    /**
     * Stops watching. Waits a little for a poll in flight, so that the watcher has nothing left to say after the
     * command's own last words; not for a question on the terminal, which an interrupt does not end.
     */
    @Override
    public void close() {
        watcher.interrupt();
        try {
            watcher.join(CLOSE_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
