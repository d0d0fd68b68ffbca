package dev.airlock.cli;

import dev.airlock.broker.AuditLog;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which audit entries {@code airlock log} shows: each filter that is set (not null) must match exactly.
 *
 * @param since entries at or after this instant
 */
record AuditQuery(String source, String target, String service, String outcome, Instant since) {
    /** The outcomes the broker writes. */
    static final Set<String> OUTCOMES = Set.of("allow", "deny", "ask", "refused", "failed", "ended",
            "caller-gone", "destroyed", "copied", "cleared");
    private static final Pattern RELATIVE = Pattern.compile("(\\d{1,9})([smhd])");

    AuditQuery {
        if (outcome != null && !OUTCOMES.contains(outcome)) {
            throw new IllegalArgumentException("unknown outcome \"" + outcome + "\" (one of "
                    + String.join(", ", OUTCOMES.stream().sorted().toList()) + ")");
        }
    }

    boolean matches(AuditLog.Entry e) {
        return is(source, e.source()) && is(target, e.target()) && is(service, e.service())
                && is(outcome, e.outcome()) && (since == null || !e.time().isBefore(since));
    }

    private static boolean is(String wanted, String actual) {
        return wanted == null || wanted.equals(actual);
    }

    /**
     * A {@code --since} value: relative to {@code now} ({@code 90s}, {@code 10m}, {@code 2h}, {@code 7d}) or an
     * ISO time, with an offset ({@code 2026-11-22T04:00:00Z}) or local to {@code zone} ({@code 2026-11-22T05:00},
     * {@code 2026-11-22}).
     */
    static Instant since(String text, Instant now, ZoneId zone) {
        Matcher m = RELATIVE.matcher(text);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return now.minus(d);
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            // Not with an offset: local time or date are tried next.
        }
        try {
            return LocalDateTime.parse(text).atZone(zone).toInstant();
        } catch (DateTimeParseException e) {
            // Not a local date and time: a date alone is the last form.
        }
        try {
            return LocalDate.parse(text).atStartOfDay(zone).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("cannot read the time \"" + text + "\" (use for example 10m, 2h, 1d, "
                    + "2026-11-22, 2026-11-22T14:30 or 2026-11-22T14:30:00Z)");
        }
    }
}
