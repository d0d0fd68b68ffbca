package dev.airlock.cli;

import dev.airlock.broker.AirlockHome;
import dev.airlock.broker.AuditLog;
import dev.airlock.domain.Registry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code airlock log}: the broker's audit log, every call decision, read without the broker. */
@Command(name = "log",
        description = "Show the audit log: every call decision (time UTC, source -> target, service+argument, "
                + "outcome, rule file:line, detail), oldest first, including the rotated files (audit.jsonl.1 "
                + "and older). Repeated refusals are one entry with a count (deny x20). Filters combine.",
        mixinStandardHelpOptions = true)
final class LogCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HomeOption homeOption;

    @Option(names = "--source", paramLabel = "DOMAIN", description = "Only calls from DOMAIN.")
    String source;

    @Option(names = "--target", paramLabel = "DOMAIN", description = "Only calls to DOMAIN.")
    String target;

    @Option(names = "--service", paramLabel = "SERVICE", description = "Only calls of SERVICE (without argument).")
    String service;

    @Option(names = "--outcome", paramLabel = "OUTCOME",
            description = "Only this outcome: allow, deny, ask, refused (malformed or misdirected), failed, ended"
                    + " (an allowed call's end, with the service's exit code), caller-gone (the caller of a call to a"
                    + " disposable went away first), destroyed (a disposable an earlier broker left), copied or cleared"
                    + " (airlock clipboard copy, clear; a paste is an allow or deny of qubes.ClipboardPaste).")
    String outcome;

    @Option(names = "--since", paramLabel = "TIME",
            description = "Only entries from TIME on: relative (90s, 10m, 2h, 7d) or ISO (2026-11-22, "
                    + "2026-11-22T14:30 local time, 2026-11-22T14:30:00Z).")
    String since;

    @Option(names = "--last", paramLabel = "N", description = "Only the last N matching entries (read from the end "
            + "of the log).")
    Integer last;

    @Option(names = "--json", description = "Print the matching entries as the log holds them, one JSON object "
            + "a line.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (last != null && last < 0) {
            throw new IllegalArgumentException("--last must not be negative");
        }
        AuditQuery query = new AuditQuery(source, target, service, outcome,
                since == null ? null : AuditQuery.since(since, Instant.now(), ZoneId.systemDefault()));
        AirlockHome home = new AirlockHome(homeOption.home != null ? homeOption.home
                : Registry.defaultHome(Invocation.current().env()));
        AuditLog log = new AuditLog(home.auditLog());
        // With --last the log is read from its end, as far as needed: a long log does not make it slow.
        List<AuditLog.Entry> entries = last != null ? log.last(last, query::matches).entries()
                : log.read(query::matches);
        PrintWriter out = spec.commandLine().getOut();
        for (AuditLog.Entry e : entries) {
            out.println(json ? AuditLog.toJson(e) : line(e));
        }
        out.flush();
        return 0;
    }

    /** One entry for people; what came from domains is escaped so it cannot drive the terminal. */
    static String line(AuditLog.Entry e) {
        String call = e.service() == null ? "-"
                : e.service() + (e.argument() == null || e.argument().isEmpty() ? "" : "+" + e.argument());
        String text = e.time().truncatedTo(ChronoUnit.SECONDS) + "  " + or(e.source()) + " -> " + or(e.target())
                + "  " + call + "  " + or(e.outcome()) + (e.count() > 1 ? " x" + e.count() : "") + "  "
                + or(e.rule())
                + (e.detail() == null ? "" : "  " + e.detail());
        return Messages.safe(text).replace("\t", "\\u0009");
    }

    private static String or(String value) {
        return value == null || value.isEmpty() ? "-" : value;
    }
}
