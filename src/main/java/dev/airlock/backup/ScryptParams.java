package dev.airlock.backup;

/**
 * The cost of the scrypt key derivation of one encrypted file ({@code docs/backup.md} sections 6 and 11):
 * N = 2^logN, r and p. Read from a file's header before it is authenticated, so a reader checks
 * {@link #memoryBytes} and {@link #workBytes} against its limits before deriving anything.
 */
public record ScryptParams(int logN, int r, int p) {

    /**
     * What airlock writes: N = 2^17, r = 8, p = 1, 128 MiB and well under a second per chunk. {@code scrypt dec}
     * accepts it by default on any machine with 256 MiB of memory (it refuses files needing more than half of
     * it, or more than 300 s); {@code scrypt enc} itself picks up to 1/8 of memory and 5 s, which costs seconds
     * per 100 MiB chunk.
     */
    public static final ScryptParams DEFAULT = new ScryptParams(17, 8, 1);

    public ScryptParams {
        if (logN < 1 || logN > 63) {
            throw new IllegalArgumentException("scrypt logN " + logN + " is outside 1..63");
        }
        if (r <= 0 || p <= 0 || (long) r * p >= 1L << 30) {
            throw new IllegalArgumentException("scrypt r " + r + " and p " + p + " are out of range");
        }
    }

    /** The memory the derivation takes: 128 r N bytes (saturating). */
    public long memoryBytes() {
        long base = 128L * r;
        if (logN >= 63 || base > Long.MAX_VALUE >> logN) {
            return Long.MAX_VALUE;
        }
        return base << logN;
    }

    /** The work the derivation takes, in bytes mixed: 128 r N p (saturating). */
    public long workBytes() {
        long m = memoryBytes();
        return m > Long.MAX_VALUE / p ? Long.MAX_VALUE : m * p;
    }
}
