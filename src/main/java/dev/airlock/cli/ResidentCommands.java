package dev.airlock.cli;

import dev.airlock.door.Door;
import dev.airlock.door.DoorRequest;
import dev.airlock.sys.Posix;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The commands a resident broker or agent runs for thin clients, a closed list per side; every other command (the
 * long-running ones, backup, those that need their own process) runs in the client's JVM as before.
 *
 * <p>A broker whose user differs from the door's owner (root serving a user's home) runs nothing that would touch
 * the caller's files with its own rights: only commands that ask the broker itself, and none with {@code --home}.
 */
final class ResidentCommands implements Door.Handler {
    /** On the host: commands that only talk to the broker or read airlock's own home. */
    static final Set<String> HOST = Set.of("run", "ls", "pending", "approve", "deny", "prefs", "start", "shutdown",
            "log");

    private final Set<String> served;

    ResidentCommands(Set<String> served) {
        this.served = served;
    }

    @Override
    public boolean serves(DoorRequest request, int ownerUid) {
        if (request.argv().isEmpty() || !served.contains(request.argv().getFirst())) {
            return false;
        }
        boolean sameUser = ownerUid == Posix.geteuid();
        return sameUser || request.argv().stream().noneMatch(a -> a.startsWith("--home"));
    }

    @Override
    public int run(DoorRequest request, Door.Call call) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(call.stdout(), StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(call.stderr(), StandardCharsets.UTF_8), true);
        Invocation invocation = new Invocation(request.env(), call.stdin(), call.stdout(), call.stderr(), request);
        try {
            return Invocation.call(invocation, () -> Main.run(out, err, request.argv().toArray(String[]::new)));
        } catch (Exception e) {
            err.println("ERROR: " + Messages.describe(e));
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }
}
