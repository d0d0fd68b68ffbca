package dev.airlock.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.clipboard.Clip;
import dev.airlock.contract.BuiltInService;
import dev.airlock.clipboard.ClipboardRefusal;
import dev.airlock.clipboard.HostClipboard;
import dev.airlock.policy.Decision;
import dev.airlock.policy.PolicyStore;
import dev.airlock.policy.Request;
import dev.airlock.qrexec.QrexecNames;
import dev.airlock.sys.BlockingThreads;
import dev.airlock.text.TerminalText;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Predicate;

/**
 * {@code airlock clipboard copy|paste|show|clear}: Qubes' global clipboard, by explicit commands only. A copy reads
 * one domain's CLIPBOARD selection on its own display (xclip, through the host's {@code airlock.Run}) into the
 * broker's memory; a paste, if the policy allows {@value Clip#SERVICE} from the clipboard's domain to the named
 * one, writes it into that domain's CLIPBOARD and empties the host's. Only the admin socket reaches these requests,
 * so no domain can start a copy of another's clipboard or a paste into one; and a domain's own call of
 * {@value Clip#SERVICE} is refused before the policy (a host-only name), so the rule that allows pastes opens no
 * channel between domains. The audit log gets sources, targets, sizes and decisions, never the contents.
 */
final class ClipboardExchange {
    /** The policy service of a paste, as in Qubes: source = the clipboard's domain, target = the paste's. */
    private static final String PASTE_SERVICE = BuiltInService.CLIPBOARD_PASTE.serviceName();
    /** How long a domain has to hand over or take its clipboard: a stalled selection owner must not hold a copy. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** The exit code of the domain-side commands when the domain has no display. */
    private static final int NO_DISPLAY = 3;
    /** ... and when xclip is not installed. */
    private static final int NO_XCLIP = 4;
    /** The most of a domain's error message passed on to the user. */
    private static final int MAX_MESSAGE = 200;
    private static final String PRELUDE = "[ -n \"$DISPLAY\" ] || exit " + NO_DISPLAY
            + "; command -v xclip >/dev/null 2>&1 || exit " + NO_XCLIP + "; ";
    /**
     * Reads the CLIPBOARD selection as text (UTF8_STRING, else STRING): never another type such as an image, which
     * only a file copy carries.
     */
    static final List<String> COPY = List.of("/bin/sh", "-c", PRELUDE + "exec xclip -o -selection clipboard");
    /**
     * Takes the CLIPBOARD selection with stdin. xclip stays in the background serving it; its output goes nowhere,
     * so that the call ends when its foreground part does rather than when the background part's pipes close.
     */
    static final List<String> PASTE = List.of("/bin/sh", "-c",
            PRELUDE + "exec xclip -i -selection clipboard >/dev/null 2>&1");

    /** Runs a command in a running domain for the broker: {@link HostRun#capture}. */
    @FunctionalInterface
    interface DomainCommand {
        HostRun.Captured capture(String name, List<String> argv, byte[] stdin, int limit, Duration timeout)
                throws IOException;
    }

    private final HostClipboard clipboard = new HostClipboard();
    private final DomainCommand runs;
    private final PolicyStore policy;
    private final DomainViews views;
    private final Predicate<String> running;
    private final AuditLog audit;

    ClipboardExchange(DomainCommand runs, PolicyStore policy, DomainViews views, Predicate<String> running,
                      AuditLog audit) {
        this.runs = runs;
        this.policy = policy;
        this.views = views;
        this.running = running;
        this.audit = audit;
    }

    /** {@code clipboard-copy}: the domain's clipboard into the host's, replacing what it held. */
    ObjectNode copy(JsonNode request) {
        String source = Broker.domainOf(request);
        requireRunning(source);
        HostRun.Captured c = run(source, COPY, new byte[0], "copy from");
        if (!c.finished() && c.stdout().length <= Clip.MAX_BYTES) {
            String why = source + " did not hand over its clipboard within " + TIMEOUT.toSeconds() + " s";
            record(source, QrexecNames.HOST, null, null, "failed", "clipboard copy: " + why);
            throw new IllegalStateException(why + "; nothing was copied");
        }
        if (c.finished() && c.exitCode() != 0) {
            String why = failure(source, c, "'s clipboard is empty or holds no text");
            record(source, QrexecNames.HOST, null, null, "failed", "clipboard copy: " + why);
            throw new IllegalStateException(why + "; nothing was copied");
        }
        Clip clip;
        try {
            // Refuses more than the limit (the capture kept one byte more to tell) and an empty clipboard.
            clip = Clip.of(source, c.stdout());
        } catch (ClipboardRefusal e) {
            record(source, QrexecNames.HOST, null, null, "failed", "clipboard copy of " + c.stdout().length
                    + (c.stdout().length > Clip.MAX_BYTES ? " or more" : "") + " bytes refused: " + e.getMessage());
            throw new IllegalStateException(e.getMessage());
        }
        clipboard.put(clip);
        record(source, QrexecNames.HOST, null, null, "copied", "clipboard copy: " + clip.describe()
                + " into the host's clipboard");
        return described(AdminServer.ok(), clip);
    }

    /** {@code clipboard-paste}: the host's clipboard into the domain, if the policy allows; then it is empty. */
    ObjectNode paste(JsonNode request) {
        String target = Broker.domainOf(request);
        Clip clip = clipboard.peek().orElseThrow(() -> new IllegalStateException("the clipboard is empty: copy "
                + "from a domain first (airlock clipboard copy DOMAIN)"));
        String source = clip.source();
        if (target.equals(source)) {
            throw new IllegalArgumentException("the clipboard came from " + target + ": paste it into another domain");
        }
        requireRunning(target);
        decide(clip, target);
        if (!clipboard.take(clip)) {
            throw new IllegalStateException("the clipboard changed while the paste was decided; nothing was pasted");
        }
        HostRun.Captured c = run(target, PASTE, clip.bytes(), "paste into");
        if (!c.finished() || c.exitCode() != 0) {
            String why = c.finished() ? failure(target, c, " did not take the clipboard")
                    : target + " did not take the clipboard within " + TIMEOUT.toSeconds() + " s";
            record(source, target, PASTE_SERVICE, clip.policyArgument(), "failed", "clipboard paste of "
                    + clip.describe() + ": " + why + "; the host's clipboard is now empty");
            throw new IllegalStateException(why + "; the host's clipboard is now empty (copy again)");
        }
        return described(AdminServer.ok(), clip).put("target", target);
    }

    /** The policy's word on pasting {@code clip} into {@code target}, audited; a refusal throws. */
    private void decide(Clip clip, String target) {
        String source = clip.source();
        Decision d;
        try {
            d = policy.evaluate(new Request(source, target, PASTE_SERVICE, clip.policyArgument()), views.view());
        } catch (IOException | RuntimeException e) {
            record(source, target, PASTE_SERVICE, clip.policyArgument(), "failed", "cannot decide the paste: "
                    + e.getMessage());
            throw new IllegalStateException("cannot decide the paste: " + e.getMessage());
        }
        String rule = d.rule() == null ? null : d.rule().location();
        String refusal = switch (d) {
            case Decision.Allow a when a.target().equals(target) -> null;
            case Decision.Allow a -> "the rule sends it to " + a.target() + ", but a paste goes only where the user"
                    + " said";
            // As Qubes' GUI daemon (qrexec-policy --assume-yes-for-ask): the paste command is the user's answer.
            case Decision.Ask a when a.targetsForAsk().contains(target) -> null;
            case Decision.Ask a -> "the rule does not offer " + target;
            case Decision.Deny deny -> deny.reason();
        };
        if (refusal != null) {
            record(source, target, PASTE_SERVICE, clip.policyArgument(), "deny", "clipboard paste of "
                    + clip.describe() + " refused: " + refusal, rule);
            throw new IllegalStateException("pasting the clipboard from " + source + " into " + target
                    + " is refused by policy: " + refusal
                    + (rule == null || refusal.contains(rule) ? "" : " (" + rule + ")")
                    + (clip.kind() == Clip.Kind.BINARY ? " (the clipboard is not text: a rule must name +"
                    + Clip.BINARY_ARGUMENT + ")" : ""));
        }
        record(source, target, PASTE_SERVICE, clip.policyArgument(), "allow", "clipboard paste of "
                + clip.describe() + " into " + target + (d instanceof Decision.Ask ? " (ask: the paste command is"
                + " the user's answer)" : ""), rule);
    }

    /** {@code clipboard-show}: what the host's clipboard holds, by source, size and kind; never the contents. */
    ObjectNode show(JsonNode request) {
        ObjectNode answer = AdminServer.ok();
        clipboard.peek().ifPresent(c -> described(answer, c));
        return answer;
    }

    /** {@code clipboard-clear}: empties the host's clipboard. */
    ObjectNode clear(JsonNode request) {
        ObjectNode answer = AdminServer.ok();
        clipboard.clear().ifPresent(c -> {
            record(c.source(), QrexecNames.HOST, null, null, "cleared", "clipboard cleared: " + c.describe());
            described(answer, c);
        });
        return answer;
    }

    private static ObjectNode described(ObjectNode answer, Clip c) {
        return answer.put("source", c.source()).put("bytes", c.size())
                .put("kind", c.kind().name().toLowerCase(Locale.ROOT));
    }

    private void requireRunning(String name) {
        if (!running.test(name)) {
            throw new IllegalStateException(name + " is not running (start it, and a window of it, with: airlock "
                    + "run " + name + " -- APP)");
        }
    }

    /**
     * Runs the command on a platform thread: the admin request's virtual thread would otherwise hold its carrier
     * for as long as the domain takes (up to {@link #TIMEOUT}) while blocked reading the call's socket.
     */
    private HostRun.Captured run(String name, List<String> command, byte[] stdin, String what) {
        FutureTask<HostRun.Captured> task = new FutureTask<>(() -> runs.capture(name, command, stdin,
                Clip.MAX_BYTES, TIMEOUT));
        BlockingThreads.start(task);
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the broker is stopping");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("cannot " + what + " " + name + ": " + e.getCause().getMessage());
        }
    }

    /** Why the command in {@code name} failed, from its exit code and (escaped, one line) its stderr. */
    private static String failure(String name, HostRun.Captured c, String otherwise) {
        return switch (c.exitCode()) {
            case NO_DISPLAY -> name + " has no display (a domain with gui off, or a broker started without a "
                    + "desktop): the clipboard is a gui domain's";
            case NO_XCLIP -> "xclip is not installed, which the clipboard needs in " + name;
            default -> {
                String err = new String(c.stderr(), StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
                err = err.substring(0, Math.min(err.length(), MAX_MESSAGE));
                yield name + otherwise + (err.isEmpty() ? "" : " (" + TerminalText.escape(err) + ")");
            }
        };
    }

    private void record(String source, String target, String service, String argument, String outcome,
                        String detail) {
        record(source, target, service, argument, outcome, detail, null);
    }

    private void record(String source, String target, String service, String argument, String outcome,
                        String detail, String rule) {
        try {
            audit.append(new AuditLog.Entry(Instant.now(), source, target, service, argument, rule, outcome, detail));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the audit log: " + e.getMessage());
        }
    }
}
