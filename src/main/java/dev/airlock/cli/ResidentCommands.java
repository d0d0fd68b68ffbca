package dev.airlock.cli;

import dev.airlock.agent.Caller;
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

    /**
     * In a domain: the Qubes tools. The agent is the domain's user in the same sandbox, so they see the same files.
     * Not {@code qubesdb-watch} (it waits for ever) nor {@code airlock-desktop}.
     */
    static final Set<String> DOMAIN = Set.of("qvm-copy", "qvm-copy-to-vm", "qvm-move", "qvm-move-to-vm",
            "qvm-copy-to-dom0", "qvm-move-to-dom0", "qvm-open-in-vm", "qvm-open-in-dvm", "qrexec-client-vm",
            "qubesdb-read", "qubesdb-write", "qubes_penctl");

    private final Set<String> served;
    private final Class<?> root;

    /** Serves the commands {@code served} of the root of commands {@code root} ({@link Main}, {@link DomainMain}). */
    ResidentCommands(Set<String> served, Class<?> root) {
        this.served = served;
        this.root = root;
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
        Invocation invocation = new Invocation(request.env(), call.stdin(), call.stdout(), call.stderr(), request,
                call.ifLost());
        try {
            return ScopedValue.where(Caller.ON_CANCEL, call.onCancel()).call(() -> Invocation.call(invocation,
                    () -> CommandLines.run(CommandLines.single(root, request.argv().getFirst()), out, err,
                            request.argv().toArray(String[]::new))));
        } catch (Exception e) {
            err.println("ERROR: " + Messages.describe(e));
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }
}
