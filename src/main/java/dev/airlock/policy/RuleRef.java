package dev.airlock.policy;

/**
 * The rule that decided a call, for the user and the audit log.
 *
 * @param file the file, relative to the policy folder when inside it
 * @param line the 1-based line in that file
 * @param text the rule as policy text
 */
public record RuleRef(String file, int line, String text) {

    static RuleRef of(Rule rule) {
        return new RuleRef(rule.file(), rule.line(), rule.text());
    }

    /** {@code FILE:LINE}. */
    public String location() {
        return file + ":" + line;
    }
}
