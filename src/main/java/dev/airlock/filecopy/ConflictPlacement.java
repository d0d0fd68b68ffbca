package dev.airlock.filecopy;

import dev.airlock.sys.Errno;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Fd;

import java.nio.charset.StandardCharsets;

/**
 * Where an incoming entry goes when its name may be taken: under its own name or, as the receiver's conflict mode
 * says, nowhere (skipped, and reported) or under the first free {@code name (n).ext} (renamed, and reported). Only
 * the link or symlink call decides what is free, so a name taken after a check is never replaced.
 */
final class ConflictPlacement {
    /** Most candidates tried for a free name in {@link ConflictMode#RENAME}. */
    static final int MAX_RENAME_ATTEMPTS = 1000;

    private final ConflictReport.Collector conflicts;

    ConflictPlacement(ConflictReport.Collector conflicts) {
        this.conflicts = conflicts;
    }

    /** Whether {@code base} is taken and to be skipped; under FAIL a taken name ends the session (EEXIST). */
    static boolean taken(Fd dir, byte[] base, ConflictMode mode) throws Refusal, ErrnoException {
        try {
            IncomingTree.requireAbsent(dir, base);
            return false;
        } catch (Refusal r) {
            if (mode == ConflictMode.SKIP) {
                return true;
            }
            throw r;
        }
    }

    /** Creates one entry under a name that nothing else has. */
    interface Placer {
        void at(byte[] base) throws Refusal, ErrnoException;
    }

    /**
     * Places entry {@code name} under its base name or, when that is taken, as the conflict mode says: skipped,
     * or under the first free {@link #candidate}.
     */
    void place(Name name, Placer placer, ConflictMode mode) throws Refusal, ErrnoException {
        byte[] base = name.base();
        for (int n = 0; ; n++) {
            try {
                placer.at(n == 0 ? base : candidate(base, n));
                if (n > 0) {
                    conflicts.renamed(name.bytes(), name.sibling(candidate(base, n)));
                }
                return;
            } catch (Refusal r) {
                if (r.code != Errno.EEXIST || mode == ConflictMode.FAIL) {
                    throw r;
                }
                if (mode == ConflictMode.SKIP) {
                    conflicts.skipped(name.bytes());
                    return;
                }
                if (n >= MAX_RENAME_ATTEMPTS) {
                    throw new Refusal(Errno.EEXIST);
                }
            }
        }
    }

    /** {@code name (n).ext}; a leading dot (a hidden file) is not an extension. */
    static byte[] candidate(byte[] base, int n) {
        int dot = -1;
        for (int i = base.length - 1; i > 0; i--) {
            if (base[i] == '.') {
                dot = i;
                break;
            }
        }
        int split = dot > 0 ? dot : base.length;
        byte[] suffix = (" (" + n + ")").getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[base.length + suffix.length];
        System.arraycopy(base, 0, out, 0, split);
        System.arraycopy(suffix, 0, out, split, suffix.length);
        System.arraycopy(base, split, out, split + suffix.length, base.length - split);
        return out;
    }
}
