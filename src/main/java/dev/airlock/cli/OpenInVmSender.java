package dev.airlock.cli;

import dev.airlock.agent.Caller;
import dev.airlock.agent.Connections;
import dev.airlock.openinvm.OpenClient;
import dev.airlock.qrexec.QrexecNames;
import dev.airlock.qrexec.ServiceCall;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * What {@code qvm-open-in-vm} and {@code qvm-open-in-dvm} share: one {@code qubes.OpenInVM} call through the broker.
 */
final class OpenInVmSender {
    /** The target of {@code qvm-open-in-dvm}: a new disposable, made for this call. */
    static final String DISPVM = "@dispvm";
    /** Environment variable with the default reply limit, in the units {@code --max-bytes} takes. */
    static final String MAX_BYTES_ENV = "AIRLOCK_OPEN_MAX_BYTES";
    private static final ServiceCall OPEN_IN_VM = new ServiceCall("qubes.OpenInVM", "");

    private OpenInVmSender() {
    }

    /** Opens {@code file} in {@code target}; returns the exit code or throws with what went wrong. */
    static int open(String target, String file, boolean viewOnly, Long maxBytes, PrintWriter err)
            throws IOException {
        if (!Connections.insideDomain()) {
            throw new IOException("not inside an airlock domain (no " + Connections.CHANNEL + ")");
        }
        QrexecNames.requireTarget(target);
        long limit = maxBytes != null ? maxBytes : defaultLimit();
        if (limit < 1) {
            throw new IOException("the reply limit must be at least 1 byte");
        }
        OpenClient.Transport transport = (request, reply) -> {
            try (Caller.Call c = Caller.connect(Connections.AGENT_SOCKET, target, OPEN_IN_VM)) {
                return Caller.exchange(c.data(), request, reply,
                        new TerminalSafeOutput(Invocation.current().err()));
            } catch (Caller.Refused r) {
                throw new OpenClient.OpenFailedException(target + " qubes.OpenInVM: " + r.getMessage()
                        + "; " + file + " is unchanged", r.exitCode(), r);
            }
        };
        try {
            report(OpenClient.open(Invocation.current().resolve(Path.of(file)), viewOnly, limit, transport), file, err);
            return 0;
        } catch (OpenClient.OpenFailedException e) {
            err.println("ERROR: " + Messages.describe(e));
            return e.exitCode();
        }
    }

    /** Tells the user what became of the file, when there is more to say than "done". */
    static void report(OpenClient.Outcome o, String file, PrintWriter err) {
        switch (o) {
            case OpenClient.Outcome.ViewedOnly v when v.ignoredBytes() > 0 ->
                    err.println("airlock: view-only: ignored a reply of " + v.ignoredBytes() + " bytes");
            case OpenClient.Outcome.KeptBoth k -> err.println(Messages.safe("airlock: kept both: " + k.why()
                    + "; it is left as it is and the edited file is " + k.copy()));
            default -> {
            }
        }
    }

    static long defaultLimit() throws IOException {
        String v = Invocation.current().env().get(MAX_BYTES_ENV);
        if (v == null || v.isBlank()) {
            return OpenClient.DEFAULT_MAX_BYTES;
        }
        try {
            return new SizeConverter().convert(v);
        } catch (RuntimeException e) {
            throw new IOException(MAX_BYTES_ENV + ": " + e.getMessage(), e);
        }
    }
}
