package dev.airlock.broker;

import dev.airlock.contract.BuiltInService;
import dev.airlock.log.Log;
import dev.airlock.notify.Notice;
import dev.airlock.qrexec.ServiceCall;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The audit records of the call path, and the desktop notifications that some of them also make. Refusals fold when
 * they repeat, since a domain can repeat them as fast as it likes; every other record goes straight to the log. A
 * notice is only ever posted beside its record: without a desktop, the log has it all.
 */
final class CallAudit {
    private static final System.Logger LOG = Log.of("airlock");
    /** The outcomes of calls that did not happen. */
    private static final Set<String> REFUSALS = Set.of("deny", "refused", "failed");

    private final AuditLog audit;
    private final AuditFold refusals;
    private final Consumer<Notice> notices;

    /** The records of the call path, without notifications. */
    CallAudit(AuditLog audit) {
        this(audit, n -> { });
    }

    /** The records of the call path; {@code notices} is told what the desktop should show, and must not block. */
    CallAudit(AuditLog audit, Consumer<Notice> notices) {
        this.audit = audit;
        this.refusals = new AuditFold(audit);
        this.notices = notices;
    }

    /**
     * A call the policy denied, recorded; notified when the deciding rule's {@code notify} says so (Qubes: a deny
     * notifies unless {@code notify=no}, an allow or ask only with {@code notify=yes}).
     */
    void denied(String source, String target, ServiceCall call, String rule, String reason, boolean notify) {
        record(source, target, call, rule, "deny", reason);
        if (notify) {
            notices.accept(Notice.denied(source, target, call.service(), call.argument(), reason));
        }
    }

    /**
     * The end of a call, recorded; for a file copy, notified with what the broker knows: who sent, to whom, and
     * whether the receiver's side exited with 0. It never sees the files, so it names no count or size.
     */
    void ended(String source, String target, ServiceCall call, CallEnd end) {
        record(source, target, call, null, "ended", end.detail());
        if (call.service().equals(BuiltInService.FILECOPY.serviceName())) {
            notices.accept(Notice.copyEnded(source, target, end instanceof CallEnd.Exited(int code) && code == 0,
                    end.detail()));
        }
    }

    /** A disposable that a call needed and could not have, recorded and notified. */
    void disposableFailed(String source, String template, ServiceCall call, String rule, String outcome,
                          String reason) {
        record(source, CallDecider.DISPVM_PREFIX + template, call, rule, outcome, reason);
        notices.accept(Notice.disposableFailed(source, template, reason));
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
