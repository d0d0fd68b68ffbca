package dev.airlock.qrexec;

import dev.airlock.qrexec.InvalidNameException.Kind;

/**
 * The naming rules of calls (Qubes' qrexec rules, written out in the checks below), shared by the broker, the agents
 * and the in-domain tools. A name is valid as it stands or refused: nothing is ever trimmed, decoded or rewritten, so
 * the name that policy matches is the name the caller sent. All valid names are ASCII, so their lengths in characters
 * and in UTF-8 bytes are the same.
 */
public final class QrexecNames {
    /** The host's domain name; {@code @adminvm} names the same domain. */
    public static final String HOST = "dom0";
    public static final String DEFAULT_TARGET = "@default";
    public static final String ADMIN_TARGET = "@adminvm";
    public static final String DISPVM_TARGET = "@dispvm";
    /** Prefix of {@code @dispvm:TEMPLATE}. */
    public static final String DISPVM_PREFIX = "@dispvm:";

    public static final int MAX_SERVICE_BYTES = 255;
    public static final int MAX_ARGUMENT_BYTES = 255;
    public static final int MAX_DOMAIN_CHARS = 31;
    /** Longest valid target: {@code @dispvm:} and a domain name. */
    public static final int MAX_TARGET_CHARS = DISPVM_PREFIX.length() + MAX_DOMAIN_CHARS;

    private QrexecNames() {
    }

    /**
     * Splits {@code SERVICE} or {@code SERVICE+ARGUMENT} at the first {@code +}. A second {@code +} belongs to the
     * argument and is refused there, so {@code a+b+c} is not read as service {@code a}, argument {@code b}.
     */
    public static ServiceCall parseServiceCall(String serviceAndArgument) {
        int plus = serviceAndArgument.indexOf('+');
        return plus < 0
                ? new ServiceCall(serviceAndArgument, "")
                : new ServiceCall(serviceAndArgument.substring(0, plus), serviceAndArgument.substring(plus + 1));
    }

    /** 1 to 255 of {@code [A-Za-z0-9._-]}. */
    public static boolean isServiceName(String s) {
        return !s.isEmpty() && s.length() <= MAX_SERVICE_BYTES && allNameChars(s);
    }

    /** 0 to 255 of {@code [A-Za-z0-9._-]}: a call without an argument has the empty argument. */
    public static boolean isArgument(String s) {
        return s.length() <= MAX_ARGUMENT_BYTES && allNameChars(s);
    }

    /**
     * 1 to 31 of {@code [A-Za-z0-9_.-]}, starting with a letter, so that a domain name is never read as a number,
     * a hidden file or an option.
     */
    public static boolean isDomainName(String s) {
        return !s.isEmpty() && s.length() <= MAX_DOMAIN_CHARS && allNameChars(s) && isLetter(s.charAt(0));
    }

    /**
     * What a caller may ask for: a domain name ({@code dom0} included), {@code @adminvm}, {@code @default},
     * {@code @dispvm} or {@code @dispvm:TEMPLATE}. The empty string is refused: a caller that names no target says
     * {@code @default}, so that the two cannot be told apart differently by two readers.
     */
    public static boolean isTarget(String s) {
        return switch (s) {
            case DEFAULT_TARGET, ADMIN_TARGET, DISPVM_TARGET -> true;
            default -> s.startsWith(DISPVM_PREFIX)
                    ? isDomainName(s.substring(DISPVM_PREFIX.length()))
                    : isDomainName(s);
        };
    }

    public static String requireService(String s) {
        if (!isServiceName(s)) {
            throw new InvalidNameException(Kind.SERVICE, "invalid service name " + quote(s) + " (1 to "
                    + MAX_SERVICE_BYTES + " of A-Z a-z 0-9 . _ -)");
        }
        return s;
    }

    public static String requireArgument(String s) {
        if (!isArgument(s)) {
            throw new InvalidNameException(Kind.ARGUMENT, "invalid service argument " + quote(s) + " (at most "
                    + MAX_ARGUMENT_BYTES + " of A-Z a-z 0-9 . _ -)");
        }
        return s;
    }

    public static String requireDomainName(String s) {
        if (!isDomainName(s)) {
            throw new InvalidNameException(Kind.DOMAIN, "invalid domain name " + quote(s) + " (1 to "
                    + MAX_DOMAIN_CHARS + " of A-Z a-z 0-9 _ . -, starting with a letter)");
        }
        return s;
    }

    public static String requireTarget(String s) {
        if (!isTarget(s)) {
            throw new InvalidNameException(Kind.TARGET, "invalid target " + quote(s)
                    + " (a domain name, @default, @adminvm, @dispvm or @dispvm:TEMPLATE)");
        }
        return s;
    }

    private static boolean isLetter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    private static boolean allNameChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(isLetter(c) || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Quotes a refused name for an error message: control characters, non-ASCII and over-long input would let a
     * hostile name forge or flood a log line, so they are escaped and the text is cut.
     */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        int shown = Math.min(s.length(), 80);
        for (int i = 0; i < shown; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        b.append('"');
        if (shown < s.length()) {
            b.append("... (").append(s.length()).append(" characters)");
        }
        return b.toString();
    }
}
