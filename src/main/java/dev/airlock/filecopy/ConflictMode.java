package dev.airlock.filecopy;

import java.util.Locale;

/**
 * What the receiver does with an incoming file or link whose name is already taken (qubes-issues #1772). Chosen by
 * the receiving side only; no mode ever replaces what is there.
 */
public enum ConflictMode {
    /** End the session with EEXIST, as Qubes does. */
    FAIL,
    /** Keep what is there, drop the incoming entry, and report it. */
    SKIP,
    /** Keep what is there and give the incoming entry a free name, {@code name (1).ext}, reported. */
    RENAME;

    /** {@code fail}, {@code skip} or {@code rename}, any case; anything else is refused. */
    public static ConflictMode parse(String word) {
        return switch (word.strip().toLowerCase(Locale.ROOT)) {
            case "fail" -> FAIL;
            case "skip" -> SKIP;
            case "rename" -> RENAME;
            default -> throw new IllegalArgumentException("unknown conflict mode \"" + word.strip()
                    + "\" (fail, skip or rename)");
        };
    }
}
