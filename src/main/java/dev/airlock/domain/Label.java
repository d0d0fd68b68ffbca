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
     * The colour as Qubes draws it, {@code #rrggbb}: the border of the domain's windows, its mark in the host's
     * dialogs.
     */
    public String colour() {
        return switch (this) {
            case RED -> "#cc0000";
            case ORANGE -> "#f57900";
            case YELLOW -> "#edd400";
            case GREEN -> "#73d216";
            case GRAY -> "#555753";
            case BLUE -> "#3465a4";
            case PURPLE -> "#75507b";
            case BLACK -> "#000000";
        };
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
