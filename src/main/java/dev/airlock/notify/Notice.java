package dev.airlock.notify;

import java.util.Objects;

/**
 * One thing to tell the person, in plain text: names and reasons may come from domains and are made inert only when
 * the notice is sent ({@link Markup}). Notices of one {@code kind} from one {@code domain} fold together when they
 * come too fast.
 *
 * @param kind    what happened
 * @param domain  the domain it is about (the caller of a call, the template of a disposable)
 * @param summary the notification's title
 * @param body    its text
 */
public record Notice(Kind kind, String domain, String summary, String body) {
    /** The most of one domain-chosen piece (a name, a service argument) put into a notice. */
    static final int MAX_PIECE = 64;

    public Notice {
        Objects.requireNonNull(kind);
        Objects.requireNonNull(domain);
        Objects.requireNonNull(summary);
        Objects.requireNonNull(body);
    }

    /** What a notice is about; its words for many of them, when they fold. */
    public enum Kind {
        /** A call the policy refused, with {@code notify}. */
        DENIED("calls denied"),
        /** A file copy or move that ended. */
        COPY("copies ended"),
        /** A disposable that could not be made. */
        DISPOSABLE("disposables failed");

        private final String many;

        Kind(String many) {
            this.many = many;
        }

        /** E.g. "calls denied", after a count. */
        public String many() {
            return many;
        }
    }

    /** A call that the policy denied: Qubes' "Denied: SERVICE from SOURCE to TARGET". */
    public static Notice denied(String source, String target, String service, String argument, String reason) {
        String call = argument == null || argument.isEmpty() ? piece(service) : piece(service) + "+" + piece(argument);
        return new Notice(Kind.DENIED, source, "Denied: " + call + " from " + piece(source) + " to "
                + piece(target == null ? "?" : target), reason);
    }

    /**
     * A file copy or move from {@code source} into {@code target} that ended: sent when {@code ok}, else
     * {@code why} says how it ended. The broker never sees the files, so this says where they went, not how many.
     */
    public static Notice copyEnded(String source, String target, boolean ok, String why) {
        return ok
                ? new Notice(Kind.COPY, source, "Files from " + piece(source) + " sent to " + piece(target),
                "They are in ~/QubesIncoming/" + piece(source) + " of " + piece(target) + ".")
                : new Notice(Kind.COPY, source, "Copy from " + piece(source) + " to " + piece(target) + " failed",
                why + "; the receiver keeps only the files it completed (airlock log has the details).");
    }

    /** A disposable of {@code template} that {@code source}'s call needed and that could not be made. */
    public static Notice disposableFailed(String source, String template, String why) {
        return new Notice(Kind.DISPOSABLE, piece(template), "Disposable of " + piece(template) + " failed",
                "For a call from " + piece(source) + ": " + why);
    }

    /** The count of notices folded into one: "work: 37 more calls denied". */
    static Notice folded(Kind kind, String domain, int count) {
        return new Notice(kind, domain, piece(domain) + ": " + count + " more " + kind.many(),
                "Not shown one by one; airlock log has each of them.");
    }

    /** A domain-chosen piece, cut to {@value #MAX_PIECE} characters. */
    private static String piece(String s) {
        return s.length() <= MAX_PIECE ? s : s.substring(0, MAX_PIECE) + "...";
    }
}
