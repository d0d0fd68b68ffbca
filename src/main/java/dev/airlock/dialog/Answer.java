package dev.airlock.dialog;

import java.util.Optional;

/** What the user answered in the trusted dialog; a dialog that ends without one has answered nothing. */
public sealed interface Answer {
    /** The longest answer line the dialog writes: a target of at most a question's name length, and the word. */
    int MAX_LINE = 16 + Question.MAX_NAME * 4;

    /** Allow, to {@code target}: one of the question's choices, checked again by whoever asked. */
    record Allow(String target) implements Answer {
    }

    /** Deny. */
    record Deny() implements Answer {
    }

    /** The line the dialog writes for it on its output. */
    default String line() {
        return switch (this) {
            case Allow a -> "allow " + a.target();
            case Deny d -> "deny";
        };
    }

    /** The answer a dialog's output line gives, or empty when it gives none (a dialog that failed). */
    static Optional<Answer> parse(String line) {
        if (line == null || line.length() > MAX_LINE) {
            return Optional.empty();
        }
        if (line.equals("deny")) {
            return Optional.of(new Deny());
        }
        if (line.startsWith("allow ") && line.length() > "allow ".length()) {
            return Optional.of(new Allow(line.substring("allow ".length())));
        }
        return Optional.empty();
    }
}
