package dev.airlock.policy;

import dev.airlock.qrexec.QrexecNames;

import java.util.List;

/**
 * The syntax of the names that appear in calls and policy files. Checks never rewrite a name: a name is
 * either valid as it stands or rejected, so that what the policy author wrote is what gets matched.
 */
final class Names {
    /** The host's name; the {@code @adminvm} token and requests for {@code @adminvm} mean this domain. */
    static final String HOST = "dom0";

    static final int MAX_SERVICE_BYTES = 255;
    static final int MAX_ARGUMENT_BYTES = 255;
    static final int MAX_TAG_CHARS = 255;
    static final int MAX_USER_CHARS = 32;
    /** Files of the legacy folder that Qubes leaves out: package manager and editor leftovers. */
    private static final List<String> LEGACY_IGNORED_SUFFIXES = List.of(".rpmsave", ".rpmnew", ".swp");

    private Names() {
    }

    /** Service names and arguments: {@code [A-Za-z0-9._-]}; the names are ASCII, so chars are bytes. */
    static boolean isServiceChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '.' || c == '_' || c == '-';
    }

    static boolean isServiceName(String s) {
        return !s.isEmpty() && s.length() <= MAX_SERVICE_BYTES && allServiceChars(s);
    }

    /** An argument may be empty: a call without an argument has the empty argument. */
    static boolean isArgument(String s) {
        return s.length() <= MAX_ARGUMENT_BYTES && allServiceChars(s);
    }

    /**
     * Domain names: at most 31 characters of {@code [A-Za-z0-9_.-]}, not starting with a digit, {@code _},
     * {@code .} or {@code -}; so a domain name can never be mistaken for a number, a hidden file or an option.
     */
    static boolean isDomainName(String s) {
        return QrexecNames.isDomainName(s);
    }

    /** Tags and domain classes use the same characters as service names. */
    static boolean isTag(String s) {
        return !s.isEmpty() && s.length() <= MAX_TAG_CHARS && allServiceChars(s);
    }

    static boolean isUser(String s) {
        return !s.isEmpty() && s.length() <= MAX_USER_CHARS && allServiceChars(s) && s.charAt(0) != '-';
    }

    /** Policy file names: {@code [0-9a-z_.-]} only. */
    static boolean isPolicyFileName(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** Characters Qubes accepts in a legacy file name; hidden files and leftovers are not policy. */
    static boolean isLegacyPolicyFileName(String name) {
        if (name.startsWith(".") || LEGACY_IGNORED_SUFFIXES.stream().anyMatch(name::endsWith)) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isServiceChar(c) && c != '+') {
                return false;
            }
        }
        return true;
    }

    private static boolean allServiceChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!isServiceChar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
