package dev.airlock.filecopy;

/**
 * One entry the receiver did not place under the name the sender gave, as reported to a sender that announced it
 * reads such reports ({@link Preamble#report()}). Names are paths as in the stream.
 */
public sealed interface Conflict {
    /** The entry's name as sent. */
    String name();

    /** Not written: the receiver already had something of that name. */
    record Skipped(String name) implements Conflict {
    }

    /** Written under {@code as} (same folder) because the name was taken. */
    record Renamed(String name, String as) implements Conflict {
    }
}
