package dev.airlock.domain;

/**
 * What one domain may take from the host. The names follow Qubes where it has the property: {@code maxmem} is the
 * ceiling in MiB, as {@code qvm-prefs VM maxmem} is. Qubes' {@code memory} (what a VM boots with before
 * ballooning) has no counterpart: a cgroup has no initial amount, only a ceiling, so airlock offers {@code maxmem}
 * alone rather than a {@code memory} that would not mean what a Qubes user expects.
 *
 * @param maxmem         the memory ceiling in MiB: the domain's processes and its tmpfs ({@code /tmp},
 *                       {@code /run}, {@code /dev/shm}) together; swap is bounded by as much again
 * @param maxprocs       the most processes and threads the domain may have at once (its agent's JVM included)
 * @param cpuWeight      its share of the CPU against other domains and the host's processes, 1 to 10000
 *                       (systemd's {@code CPUWeight}; 100 is every process's default)
 * @param nofile         the most files one of its processes may have open
 * @param privateMaxSize the most bytes its home may hold, or 0 for no limit ({@code private} volume in Qubes)
 */
public record ResourceLimits(int maxmem, int maxprocs, int cpuWeight, int nofile, long privateMaxSize) {

    /** Enough for the agent's JVM and a few tools, and for a laptop with several domains running at once. */
    public static final int DEFAULT_MAXMEM = 2048;
    /** Far above what a domain's tools need, far below the host's pid_max (32768 by default). */
    public static final int DEFAULT_MAXPROCS = 1024;
    public static final int DEFAULT_CPU_WEIGHT = 100;
    public static final int DEFAULT_NOFILE = 4096;

    /** The limits of a domain whose registry entry names none. */
    public static final ResourceLimits DEFAULT = new ResourceLimits(DEFAULT_MAXMEM, DEFAULT_MAXPROCS,
            DEFAULT_CPU_WEIGHT, DEFAULT_NOFILE, 0);

    /** Below this the agent's JVM does not start. */
    public static final int MIN_MAXMEM = 64;
    /** A host's memory will not reach this (1 TiB); a larger value is a typo. */
    public static final int MAX_MAXMEM = 1 << 20;
    /** The agent's JVM alone runs about 20 threads. */
    public static final int MIN_MAXPROCS = 32;
    /** The kernel's own ceiling on pid_max. */
    public static final int MAX_MAXPROCS = 4_194_304;
    public static final int MIN_NOFILE = 64;
    /** The kernel's default {@code fs.nr_open}. */
    public static final int MAX_NOFILE = 1 << 20;
    /** A home smaller than this cannot hold a JVM's class cache and a few files. */
    public static final long MIN_PRIVATE_MAX_SIZE = 16L << 20;

    public ResourceLimits {
        check("maxmem", maxmem, MIN_MAXMEM, MAX_MAXMEM, " MiB");
        check("maxprocs", maxprocs, MIN_MAXPROCS, MAX_MAXPROCS, "");
        check("cpu_weight", cpuWeight, 1, 10_000, "");
        check("nofile", nofile, MIN_NOFILE, MAX_NOFILE, "");
        if (privateMaxSize != 0 && privateMaxSize < MIN_PRIVATE_MAX_SIZE) {
            throw new IllegalArgumentException("private_max_size must be 0 (no limit) or at least "
                    + (MIN_PRIVATE_MAX_SIZE >> 20) + " MiB, not " + privateMaxSize + " bytes");
        }
    }

    /** The memory ceiling in bytes. */
    public long maxmemBytes() {
        return (long) maxmem << 20;
    }

    public ResourceLimits withMaxmem(int v) {
        return new ResourceLimits(v, maxprocs, cpuWeight, nofile, privateMaxSize);
    }

    public ResourceLimits withMaxprocs(int v) {
        return new ResourceLimits(maxmem, v, cpuWeight, nofile, privateMaxSize);
    }

    public ResourceLimits withCpuWeight(int v) {
        return new ResourceLimits(maxmem, maxprocs, v, nofile, privateMaxSize);
    }

    public ResourceLimits withNofile(int v) {
        return new ResourceLimits(maxmem, maxprocs, cpuWeight, v, privateMaxSize);
    }

    public ResourceLimits withPrivateMaxSize(long v) {
        return new ResourceLimits(maxmem, maxprocs, cpuWeight, nofile, v);
    }

    private static void check(String what, long v, long min, long max, String unit) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(what + " must be from " + min + " to " + max + unit + ", not " + v
                    + unit);
        }
    }
}
