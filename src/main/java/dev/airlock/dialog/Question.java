package dev.airlock.dialog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.domain.Label;
import dev.airlock.text.TerminalText;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the trusted dialog asks: who calls, what it wants, and the targets the policy offers. Everything but the
 * labels comes from a domain's call or the policy's words for it, so every text is made plain here, once: what would
 * hide or reorder the text around it is shown escaped, and each is cut to a length the dialog can show.
 *
 * @param source     the calling domain
 * @param label      its label colour
 * @param service    the service it calls ({@code qubes.Filecopy})
 * @param argument   the service's argument, empty when none
 * @param requested  the target the caller named ({@code @default} when it named none)
 * @param choices    the targets the policy offers, in its order, never empty
 * @param preselected the rule's {@code default_target}, one of the choices, or {@code null}
 * @param seconds    how long the question waits before it is denied
 */
public record Question(String source, Label label, String service, String argument, String requested,
                       List<Choice> choices, String preselected, long seconds) {
    /** The longest name shown (a domain name is at most 31 characters; a disposable's target is longer). */
    static final int MAX_NAME = 64;
    /** The longest argument shown. */
    static final int MAX_ARGUMENT = 64;
    /** The most targets listed: a policy may offer every domain, the dialog shows a scrolling list. */
    static final int MAX_CHOICES = 512;
    /** The longest question on the dialog's input, in characters. */
    static final int MAX_JSON = 128 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FILECOPY = "qubes.Filecopy";
    private static final String OPEN_IN_VM = "qubes.OpenInVM";
    private static final String ALLOW_ALL_NAMES = "allow-all-names";
    private static final String DISPVM = "@dispvm:";
    private static final String ELLIPSIS = "\u2026";

    /** A target the user may choose, with the label colour it is shown in. */
    public record Choice(String target, Label label) {
        public Choice {
            target = plain(target, MAX_NAME);
            Objects.requireNonNull(label, "label");
        }

        /** The target in words: a domain's name, or "a new disposable of TEMPLATE". */
        public String words() {
            return target.startsWith(DISPVM) ? "a new disposable of " + target.substring(DISPVM.length()) : target;
        }
    }

    public Question {
        source = plain(source, MAX_NAME);
        Objects.requireNonNull(label, "label");
        service = plain(service, MAX_NAME);
        argument = plain(argument, MAX_ARGUMENT);
        requested = plain(requested, MAX_NAME);
        choices = List.copyOf(choices);
        if (choices.isEmpty() || choices.size() > MAX_CHOICES) {
            throw new IllegalArgumentException("a question offers 1 to " + MAX_CHOICES + " targets, not "
                    + choices.size());
        }
        Set<String> seen = new HashSet<>();
        for (Choice c : choices) {
            if (!seen.add(c.target())) {
                throw new IllegalArgumentException("target " + c.target() + " is offered twice");
            }
        }
        if (preselected != null) {
            preselected = plain(preselected, MAX_NAME);
            if (!seen.contains(preselected)) {
                throw new IllegalArgumentException("the preselected target must be one of the offered targets");
            }
        }
        if (seconds < 0) {
            throw new IllegalArgumentException("a question waits 0 s or more");
        }
    }

    /** The question in words: "work wants to copy files", "work wants to open a file in a disposable". */
    public String wants() {
        String where = requestedWords();
        return switch (service) {
            case FILECOPY -> "wants to copy files" + (where == null ? "" : " to " + where);
            case OPEN_IN_VM -> "wants to open a file in " + (where == null ? "a domain you choose" : where);
            default -> "wants to call " + service + (argument.isEmpty() ? "" : "+" + argument)
                    + (where == null ? "" : " in " + where);
        };
    }

    /** What the user should know besides, or empty: names that could disguise what a file is. */
    public String warning() {
        return service.equals(FILECOPY) && argument.equals(ALLOW_ALL_NAMES)
                ? "The files' names may contain any character, which can disguise what a file is." : "";
    }

    /** The window's title: "airlock: work asks", never with a domain's {@code [name]} prefix. */
    public String title() {
        return "airlock: " + source + " asks";
    }

    /** The requested target in words, or null when the caller left the choice to the user. */
    private String requestedWords() {
        if (requested.equals("@default") || requested.isEmpty()) {
            return null;
        }
        if (requested.equals("@dispvm")) {
            return "a disposable";
        }
        return requested.startsWith(DISPVM) ? "a disposable of " + requested.substring(DISPVM.length()) : requested;
    }

    /** The question as one line of JSON, for the dialog's input. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode().put("source", source).put("label", label.labelName())
                .put("service", service).put("argument", argument).put("requested", requested)
                .put("preselected", preselected).put("seconds", seconds);
        ArrayNode a = o.putArray("choices");
        choices.forEach(c -> a.addObject().put("target", c.target()).put("label", c.label().labelName()));
        return o.toString();
    }

    /**
     * The question in {@code json} as {@link #toJson()} wrote it.
     *
     * @throws IOException when it is not one, or larger than {@value #MAX_JSON} characters
     */
    public static Question fromJson(String json) throws IOException {
        if (json.length() > MAX_JSON) {
            throw new IOException("a question is at most " + MAX_JSON + " characters");
        }
        try {
            JsonNode o = JSON.readTree(json);
            if (o == null || !o.isObject() || !o.path("choices").isArray()) {
                throw new IOException("not a question");
            }
            List<Choice> choices = new ArrayList<>();
            for (JsonNode c : o.get("choices")) {
                if (choices.size() == MAX_CHOICES) {
                    throw new IOException("more than " + MAX_CHOICES + " targets");
                }
                choices.add(new Choice(text(c, "target"), Label.of(text(c, "label"))));
            }
            return new Question(text(o, "source"), Label.of(text(o, "label")), text(o, "service"),
                    text(o, "argument"), text(o, "requested"), choices,
                    o.path("preselected").isTextual() ? o.get("preselected").asText() : null,
                    o.path("seconds").asLong(0));
        } catch (IllegalArgumentException e) {
            throw new IOException("not a question: " + e.getMessage());
        }
    }

    private static String text(JsonNode o, String field) throws IOException {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) {
            throw new IOException("not a question: no " + field);
        }
        return v.asText();
    }

    /**
     * {@code text} as the dialog may show it: what {@link TerminalText#hides} would hide escaped, a tab as a space,
     * and cut to {@code max} code points (an ellipsis ends a cut one).
     */
    static String plain(String text, int max) {
        Objects.requireNonNull(text, "text");
        String escaped = TerminalText.escape(text.replace('\t', ' '));
        if (escaped.codePointCount(0, escaped.length()) <= max) {
            return escaped;
        }
        return escaped.substring(0, escaped.offsetByCodePoints(0, max - 1)) + ELLIPSIS;
    }
}
