package dev.airlock.pendrive;

/**
 * A request a domain writes to its {@code device/qpen} key: {@code REQUEST [DOMAIN [SEQ]]}, fields separated
 * by spaces or tabs.
 *
 * <ul>
 *   <li>{@code new}: give me an empty outgoing pendrive.</li>
 *   <li>{@code send DEST [SEQ]}: hand my pendrive to DEST, as part of transaction SEQ (default 0).</li>
 *   <li>{@code send disposable SEQ}: hand my pendrive to a new disposable, transaction SEQ (at least 1).</li>
 *   <li>{@code umount}: I am done with my incoming pendrive.</li>
 *   <li>{@code killme}: destroy me (disposables only).</li>
 * </ul>
 */
public sealed interface PenRequest {
    /** Longest value read as a request; anything longer is refused unread. */
    int MAX_CHARS = 64;
    /** Longest domain name in a request (the registry's limit). */
    int MAX_NAME_CHARS = 31;
    /** Largest transaction sequence number. */
    int MAX_SEQ = 999_999_999;
    /** The DEST that asks for a new disposable; no domain can be sent to under this name. */
    String DISPOSABLE = "disposable";

    /** {@code new}. */
    record New() implements PenRequest {
    }

    /** {@code send DEST [SEQ]}. */
    record Send(String dest, int seq) implements PenRequest {
    }

    /** {@code send disposable SEQ}. */
    record SendDisposable(int seq) implements PenRequest {
    }

    /** {@code umount}. */
    record Umount() implements PenRequest {
    }

    /** {@code killme}. */
    record Killme() implements PenRequest {
    }

    /**
     * Parses a domain's value; the first thing out of place refuses the whole request.
     *
     * @throws IllegalArgumentException with the reason, in words safe to log (no domain bytes)
     */
    static PenRequest parse(String value) {
        if (value == null || value.length() > MAX_CHARS) {
            throw new IllegalArgumentException("request missing or longer than " + MAX_CHARS + " characters");
        }
        String[] f = fields(value);
        if (f.length == 0) {
            throw new IllegalArgumentException("empty request");
        }
        return switch (f[0]) {
            case "new" -> noArguments(f, new New());
            case "umount" -> noArguments(f, new Umount());
            case "killme" -> noArguments(f, new Killme());
            case "send" -> send(f);
            default -> throw new IllegalArgumentException("unknown request");
        };
    }

    private static PenRequest noArguments(String[] f, PenRequest r) {
        if (f.length != 1) {
            throw new IllegalArgumentException(f[0] + " takes no arguments");
        }
        return r;
    }

    private static PenRequest send(String[] f) {
        if (f.length < 2 || f.length > 3) {
            throw new IllegalArgumentException("send takes DEST [SEQ]");
        }
        String dest = f[1];
        if (dest.isEmpty() || dest.length() > MAX_NAME_CHARS || !dest.chars().allMatch(PenRequest::isNameChar)) {
            throw new IllegalArgumentException("send: DEST is not 1 to " + MAX_NAME_CHARS
                    + " of A-Z a-z 0-9 _ -");
        }
        int seq = f.length == 3 ? seq(f[2]) : 0;
        if (dest.equals(DISPOSABLE)) {
            if (seq < 1) {
                throw new IllegalArgumentException("send disposable needs a transaction SEQ of at least 1");
            }
            return new SendDisposable(seq);
        }
        return new Send(dest, seq);
    }

    private static int seq(String s) {
        if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("send: SEQ is not 1 to 9 decimal digits");
        }
        return Integer.parseInt(s);
    }

    private static boolean isNameChar(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-';
    }

    /** Splits on runs of spaces and tabs, as the original daemon's split() did; other whitespace is a field byte. */
    private static String[] fields(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                throw new IllegalArgumentException("control character in request");
            }
        }
        String t = value.replaceAll("^[ \t]+|[ \t]+$", "");
        return t.isEmpty() ? new String[0] : t.split("[ \t]+");
    }
}
