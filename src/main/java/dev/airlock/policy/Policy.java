package dev.airlock.policy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A loaded policy: immutable, so that it can be shared by any number of evaluations while a newer one is
 * being loaded. A policy with errors denies every call.
 */
public final class Policy {

    /**
     * One rule as the user wrote it, for listings.
     *
     * @param file the file, relative to the policy folder when inside it
     * @param line the 1-based line in that file
     * @param service the rule's SERVICE column
     * @param argument the rule's ARGUMENT column
     * @param text the whole rule as policy text
     */
    public record RuleText(String file, int line, String service, String argument, String text) {
        /** {@code FILE:LINE}. */
        public String location() {
            return file + ":" + line;
        }
    }

    private final Path directory;
    private final List<Rule> rules;
    private final List<PolicyError> errors;
    private final Fingerprint fingerprint;
    private final Evaluator evaluator;

    private Policy(Path directory, Loader.Result loaded) {
        this.directory = directory;
        this.rules = loaded.rules();
        this.errors = loaded.errors();
        this.fingerprint = loaded.fingerprint();
        this.evaluator = new Evaluator(errors.isEmpty() ? rules : List.of());
    }

    /** Reads the {@code *.policy} files of a folder. Problems do not throw: they are in {@link #errors()}. */
    public static Policy load(Path directory) {
        Objects.requireNonNull(directory);
        return new Policy(directory, Loader.load(directory));
    }

    /** Decides a request; while {@link #errors()} is not empty, every request is denied. */
    public Decision evaluate(Request request, DomainView domains) {
        if (!errors.isEmpty()) {
            return new Decision.Deny(request.requestedTarget(), null, true, "the policy has "
                    + errors.size() + (errors.size() == 1 ? " error" : " errors")
                    + ", so every call is denied (first: " + errors.getFirst() + ")");
        }
        return evaluator.evaluate(request, domains);
    }

    public Path directory() {
        return directory;
    }

    /** Every error found while loading, in the order found; empty when the policy is valid. */
    public List<PolicyError> errors() {
        return errors;
    }

    /** Every rule, in the order in which they are tried. */
    public List<RuleText> rules() {
        return rules.stream()
                .map(r -> new RuleText(r.file(), r.line(), r.service(), r.argument(), r.text()))
                .toList();
    }

    /**
     * The rules that can decide calls to this service, in order.
     *
     * @param argument the argument, or {@code null} for rules about any argument of the service
     * @throws IllegalArgumentException if the service name or argument is not well formed
     */
    public List<RuleText> rulesFor(String service, String argument) {
        if (!Names.isServiceName(service)) {
            throw new IllegalArgumentException("invalid service name \"" + service + "\"");
        }
        if (argument != null && !Names.isArgument(argument)) {
            throw new IllegalArgumentException("invalid service argument \"" + argument + "\"");
        }
        return rules.stream()
                .filter(r -> r.matchesService(service) && (argument == null || r.matchesArgument(argument)))
                .map(r -> new RuleText(r.file(), r.line(), r.service(), r.argument(), r.text()))
                .toList();
    }

    /** True when none of the files this policy was read from has changed since. */
    boolean isCurrent() {
        return fingerprint.isCurrent();
    }

    /** True when none of the files this policy was read from changed within {@code settle} before now. */
    boolean isSettled(Duration settle) {
        return fingerprint.isSettled(settle, Instant.now());
    }
}
