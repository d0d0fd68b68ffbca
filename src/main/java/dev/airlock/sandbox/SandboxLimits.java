package dev.airlock.sandbox;

import java.util.ArrayList;
import java.util.List;

/**
 * The part of a domain's limits that its sandbox's command line carries: the size of each of its tmpfs (in
 * {@link Bwrap#argv}) and the rlimits its processes start with ({@link #prlimit}, which the launcher puts in
 * front). The rlimits are a floor under the cgroup limits, which the broker sets up
 * (see {@code dev.airlock.limits}): they hold even where no cgroup can be used.
 *
 * @param tmpfsBytes the size of each of {@code /tmp}, {@code /run} and {@code /dev/shm} of a domain with a home of
 *                   its own (a disposable's are as large as its home layer)
 * @param maxProcs   {@code RLIMIT_NPROC}, or 0 to leave it as it is: the kernel counts it per host uid, which is the
 *                   domain's own only when airlock runs as root; otherwise it would count every process of the user
 * @param openFiles  {@code RLIMIT_NOFILE}
 */
public record SandboxLimits(long tmpfsBytes, int maxProcs, int openFiles) {

    /**
     * The most any of a domain's tmpfs holds: as much as a disposable's home layer by default, which the three
     * together keep well under a domain's default memory ceiling.
     */
    public static final long MAX_TMPFS_BYTES = 256L << 20;

    /** What a sandbox gets when nobody says otherwise (the class cache's training run, tests). */
    public static final SandboxLimits DEFAULT = new SandboxLimits(MAX_TMPFS_BYTES, 0, 4096);

    public SandboxLimits {
        if (tmpfsBytes < 1 << 20) {
            throw new IllegalArgumentException("a domain's tmpfs needs at least 1 MiB, not " + tmpfsBytes + " bytes");
        }
        if (maxProcs < 0 || openFiles < 1) {
            throw new IllegalArgumentException("invalid rlimits: " + maxProcs + " processes, " + openFiles
                    + " files");
        }
    }

    /** util-linux's, like {@code unshare}: sets the rlimits, then runs the rest of the command line. */
    static final String PRLIMIT = "/usr/bin/prlimit";

    /**
     * The start of a command line that sets these rlimits, soft and hard alike, and runs the rest: before
     * {@code setpriv}, as lowering needs no privilege and the domain, without capabilities, can never raise them.
     */
    public List<String> prlimit() {
        // No core dumps: where the host pipes them to a helper (core_pattern "|..."), that helper runs as root on
        // whatever a crashing domain process left in its memory.
        List<String> a = new ArrayList<>(List.of(PRLIMIT, "--core=0:0", "--nofile=" + openFiles + ":" + openFiles));
        if (maxProcs > 0) {
            a.add("--nproc=" + maxProcs + ":" + maxProcs);
        }
        a.add("--");
        return a;
    }

    /**
     * The size of each tmpfs of a domain whose memory ceiling is {@code maxmemBytes}: a quarter of it, at most
     * {@link #MAX_TMPFS_BYTES}, so that the three full leave the domain's processes a quarter at least. The tmpfs
     * pages count in the ceiling (the kernel charges them to the cgroup of the process that wrote them), so this
     * only decides whether a full {@code /tmp} ends in ENOSPC or in the domain's OOM killer.
     */
    public static long tmpfsBytesFor(long maxmemBytes) {
        return Math.max(1 << 20, Math.min(MAX_TMPFS_BYTES, maxmemBytes / 4));
    }
}
