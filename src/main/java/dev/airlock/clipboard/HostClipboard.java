package dev.airlock.clipboard;

import java.util.Optional;

/**
 * The one clipboard the host holds between domains, in the broker's memory only: never on disk, where a backup,
 * another root process or a crash dump of the file system would find it, and gone when the broker stops. A paste
 * takes it away (Qubes clears its global clipboard after Ctrl+Shift+V), so a second paste, into whatever domain,
 * finds nothing; a copy replaces it.
 */
public final class HostClipboard {
    private Clip clip;

    /** Holds {@code c} in place of whatever was there. */
    public synchronized void put(Clip c) {
        clip = c;
    }

    /** What is held, left in place ({@code airlock clipboard show}). */
    public synchronized Optional<Clip> peek() {
        return Optional.ofNullable(clip);
    }

    /**
     * Takes what is held for a paste the policy allowed, before it is written into the domain: the clipboard is
     * empty afterwards even if writing it then fails (copy again), as in Qubes. Only {@code expected}, the clip the
     * policy was asked about, is taken; false when a copy or clear changed it in the meantime.
     */
    public synchronized boolean take(Clip expected) {
        if (clip != expected) {
            return false;
        }
        clip = null;
        return true;
    }

    /** Empties it; what was held, if anything. */
    public synchronized Optional<Clip> clear() {
        Optional<Clip> was = Optional.ofNullable(clip);
        clip = null;
        return was;
    }
}
