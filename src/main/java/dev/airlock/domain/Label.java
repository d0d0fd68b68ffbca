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

    /** The colour as Qubes draws it, {@code 0xrrggbb}: window borders, menu icons. */
    public int rgb() {
        return switch (this) {
            case RED -> 0xcc0000;
            case ORANGE -> 0xf57900;
            case YELLOW -> 0xedd400;
            case GREEN -> 0x73d216;
            case GRAY -> 0x555753;
            case BLUE -> 0x3465a4;
            case PURPLE -> 0x75507b;
            case BLACK -> 0x000000;
        };
    }

    /**
     * The colour as Qubes draws it, {@code #rrggbb}: the border of the domain's windows, its mark in the host's
     * dialogs.
     */
    public String colour() {
        return String.format("#%06x", rgb());
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
