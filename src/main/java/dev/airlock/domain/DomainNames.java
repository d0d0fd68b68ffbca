package dev.airlock.domain;

import java.util.Locale;
import java.util.Set;

/**
 * The syntax of domain names and tags. A name is valid as it stands or refused, never rewritten, because the
 * same name is matched by policy, used as a folder name and shown to the user.
 */
final class DomainNames {
    static final int MAX_NAME_CHARS = 31;
    static final int MAX_TAG_CHARS = 64;

    /** The host's name, never stored: the host is implicit. */
    static final String HOST = "dom0";

    /**
     * Words that mean something else where domain names appear: in policy and {@code prefs} ({@code default},
     * {@code none}), or to Xen-era Qubes tools ({@code Domain-0}). Lower case: they are compared without case, so
     * that {@code DOM0} or {@code domain-0} cannot pass for the host in a listing, a prompt or the audit log.
     */
    private static final Set<String> RESERVED = Set.of(HOST, "default", "none", "domain-0");
    private static final String DEVICE_MODEL_SUFFIX = "-dm";

    private DomainNames() {
    }

    /** Why {@code name} is not a valid domain name, or {@code null} if it is valid. */
    static String nameProblem(String name) {
        if (name == null || name.isEmpty()) {
            return "a domain name cannot be empty";
        }
        if (name.length() > MAX_NAME_CHARS) {
            return "longer than " + MAX_NAME_CHARS + " characters";
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (RESERVED.contains(lower)) {
            return "a reserved name";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(isLetterOrDigit(c) || c == '_' || c == '.' || c == '-')) {
                return "only A-Z, a-z, 0-9, '_', '.' and '-' are allowed";
            }
        }
        char first = name.charAt(0);
        if (!(first >= 'a' && first <= 'z' || first >= 'A' && first <= 'Z')) {
            // So a name is never mistaken for a number, an option, a hidden file or a policy keyword (@...).
            return "must start with a letter";
        }
        if (lower.endsWith(DEVICE_MODEL_SUFFIX)) {
            // Qubes reserves this suffix for the device-model helper of each domain.
            return "cannot end with \"-dm\"";
        }
        return null;
    }

    /**
     * Checks a domain name.
     *
     * @throws IllegalArgumentException naming the value and the rule it breaks
     */
    static String requireName(String what, String name) {
        String problem = nameProblem(name);
        if (problem != null) {
            throw new IllegalArgumentException("invalid " + what + " \"" + name + "\": " + problem);
        }
        return name;
    }

    /** Tags: 1 to 64 characters of {@code [A-Za-z0-9_-]}. */
    static boolean isTag(String tag) {
        if (tag == null || tag.isEmpty() || tag.length() > MAX_TAG_CHARS) {
            return false;
        }
        for (int i = 0; i < tag.length(); i++) {
            char c = tag.charAt(i);
            if (!(isLetterOrDigit(c) || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLetterOrDigit(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }
}
