package dev.airlock.domain;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The colour that marks a domain's windows, from the Qubes palette; by convention red is the least trusted. */
public enum Label {
    RED, ORANGE, YELLOW, GREEN, GRAY, BLUE, PURPLE, BLACK;

    /** The name as the user writes it and the registry stores it: lower case. */
    public String labelName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The label of that name (lower case, as {@link #labelName()} gives it).
     *
     * @throws IllegalArgumentException if there is no such label
     */
    public static Label of(String labelName) {
        for (Label l : values()) {
            if (l.labelName().equals(labelName)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown label \"" + labelName + "\" (expected one of "
                + Arrays.stream(values()).map(Label::labelName).collect(Collectors.joining(", ")) + ")");
    }
}
