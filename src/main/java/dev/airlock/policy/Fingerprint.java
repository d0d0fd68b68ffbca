package dev.airlock.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the files and folders of a loaded policy looked like when they were read: enough to notice a change
 * by looking at their attributes again, without reading or parsing anything. Folders count too (their
 * modification time changes when a file is added, removed or renamed), and so do paths that were missing,
 * so that creating them is noticed.
 */
final class Fingerprint {

    private record Stamp(Path path, boolean exists, long size, FileTime modified, Object fileKey) {
    }

    private final List<Stamp> stamps;

    private Fingerprint(List<Stamp> stamps) {
        this.stamps = stamps;
    }

    /** Collects the stamps of the paths a loader looks at, each taken before the path is read. */
    static final class Builder {
        private final List<Stamp> stamps = new ArrayList<>();

        void add(Path path) {
            stamps.add(stamp(path));
        }

        Fingerprint build() {
            return new Fingerprint(List.copyOf(stamps));
        }
    }

    /** True when every path still has the attributes it had when it was read. */
    boolean isCurrent() {
        for (Stamp s : stamps) {
            if (!s.equals(stamp(s.path()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * True when no path was modified within {@code settle} before {@code now}. A time in the future (a clock
     * that was set back, a file touched with a later date) counts as settled, or such a file would never load.
     */
    boolean isSettled(Duration settle, Instant now) {
        for (Stamp s : stamps) {
            if (s.modified() != null) {
                Duration age = Duration.between(s.modified().toInstant(), now);
                if (!age.isNegative() && age.compareTo(settle) < 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private static Stamp stamp(Path path) {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            return new Stamp(path, true, a.size(), a.lastModifiedTime(), a.fileKey());
        } catch (IOException e) {
            return new Stamp(path, false, 0, null, null);
        }
    }
}
