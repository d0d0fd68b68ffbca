package dev.airlock.broker;

import dev.airlock.log.Log;
import dev.airlock.qrexec.ServiceCall;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.Set;

/**
 * The audit records of the call path. Refusals fold when they repeat, since a domain can repeat them as fast as it
 * likes; every other record goes straight to the log.
 */
final class CallAudit {
    private static final System.Logger LOG = Log.of("airlock");
    /** The outcomes of calls that did not happen. */
    private static final Set<String> REFUSALS = Set.of("deny", "refused", "failed");

    private final AuditLog audit;
    private final AuditFold refusals;

    CallAudit(AuditLog audit) {
        this.audit = audit;
        this.refusals = new AuditFold(audit);
    }

    /** One record; {@code target}, {@code call} and {@code rule} may be unknown (null). */
    void record(String source, String target, ServiceCall call, String rule, String outcome, String detail) {
        try {
            AuditLog.Entry e = new AuditLog.Entry(Instant.now(), source, target, call == null ? null : call.service(),
                    call == null ? null : call.argument(), rule, outcome, detail);
            if (REFUSALS.contains(outcome)) {
                refusals.record(e);
            } else {
                audit.append(e);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot write the audit log: " + e.getMessage());
        }
    }

    /** Writes the counts of the refusals still being folded; called once no call comes any more. */
    void close() {
        refusals.close();
    }
}
