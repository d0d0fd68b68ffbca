package dev.airlock.hostcopy;

import java.util.Map;

/**
 * What the host accepts from a domain's copy: the limits of Qubes' {@code qfile-dom0-unpacker}, all host settings
 * read from the broker's environment when it starts ({@value #MAX_MIB}, {@value #MAX_FILES}, {@value #FREE_PERCENT},
 * {@value #SYMLINKS}).
 *
 * @param maxBytes    most bytes of file content in one copy, 0 = no fixed limit (default 4 GiB)
 * @param maxFiles    most entries (files and folders) in one copy, 0 = unlimited (default 4096)
 * @param freePercent the share of the free space one copy may fill, 1..100, checked once when the copy starts:
 *                    a copy that would need more fails at once (EDQUOT), it never waits for space; 0 = no such rule
 * @param symlinks    accept symlinks (under the link rules); by default only regular files and folders
 */
public record IncomingLimits(long maxBytes, long maxFiles, int freePercent, boolean symlinks) {
    /** Host setting: most MiB of file content in one copy. */
    public static final String MAX_MIB = "AIRLOCK_HOST_INCOMING_MAX_MIB";
    /** Host setting: most files and folders in one copy. */
    public static final String MAX_FILES = "AIRLOCK_HOST_INCOMING_MAX_FILES";
    /** Host setting: the share of the free space one copy may fill. */
    public static final String FREE_PERCENT = "AIRLOCK_HOST_INCOMING_FREE_PERCENT";
    /** Host setting: {@code yes} to accept symlinks. */
    public static final String SYMLINKS = "AIRLOCK_HOST_INCOMING_SYMLINKS";

    /** Qubes' host limits: 4 GiB, 4096 files, 90% of the free space, regular files and folders only. */
    public static final IncomingLimits DEFAULTS = new IncomingLimits(4L << 30, 4096, 90, false);

    public IncomingLimits {
        if (maxBytes < 0 || maxFiles < 0) {
            throw new IllegalArgumentException("limits must be 0 (unlimited) or positive");
        }
        if (freePercent < 0 || freePercent > 100) {
            throw new IllegalArgumentException(FREE_PERCENT + " must be 0 to 100, not " + freePercent);
        }
    }

    /**
     * The limits the environment sets, the {@linkplain #DEFAULTS defaults} for what it leaves unset.
     *
     * @throws IllegalArgumentException naming the setting that is not a whole number (or yes/no)
     */
    public static IncomingLimits fromEnvironment(Map<String, String> env) {
        long mib = number(env, MAX_MIB, DEFAULTS.maxBytes() >> 20);
        if (mib > Long.MAX_VALUE >> 20) {
            throw new IllegalArgumentException(MAX_MIB + " is too large");
        }
        String links = env.getOrDefault(SYMLINKS, "").strip();
        if (!links.isEmpty() && !links.equals("yes") && !links.equals("no")) {
            throw new IllegalArgumentException(SYMLINKS + " must be yes or no, not \"" + links + "\"");
        }
        long percent = number(env, FREE_PERCENT, DEFAULTS.freePercent());
        if (percent > 100) {
            throw new IllegalArgumentException(FREE_PERCENT + " must be 0 to 100, not " + percent);
        }
        return new IncomingLimits(mib << 20, number(env, MAX_FILES, DEFAULTS.maxFiles()), (int) percent,
                links.equals("yes"));
    }

    /**
     * The byte limit of one copy when {@code freeBytes} are free where it lands: the fixed limit or the share of
     * the free space, whichever is smaller; 0 = unlimited. A disk too full for even one byte gives -1: nothing fits.
     */
    public long byteLimit(long freeBytes) {
        if (freePercent == 0) {
            return maxBytes;
        }
        long share = freeBytes / 100 * freePercent + freeBytes % 100 * freePercent / 100;
        if (share <= 0) {
            return -1;
        }
        return maxBytes == 0 ? share : Math.min(maxBytes, share);
    }

    private static long number(Map<String, String> env, String name, long otherwise) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return otherwise;
        }
        try {
            long n = Long.parseLong(v.strip());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number (0 for no limit), not \"" + v + "\"");
        }
    }
}
