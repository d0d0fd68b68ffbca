package dev.airlock.keystore;

/**
 * The bounds that keep one domain from exhausting the host through the key store.
 *
 * @param maxPathChars longest path, in characters (all ASCII)
 * @param maxDepth most components in a path
 * @param maxValueBytes longest value, in bytes of UTF-8
 * @param maxKeysPerDomain most keys in one domain's subtree, whoever wrote them
 * @param maxWatchesPerDomain most open watches of one domain
 * @param watchQueueCapacity most undelivered events of one watch before it overflows
 */
public record Limits(int maxPathChars, int maxDepth, int maxValueBytes, int maxKeysPerDomain,
                     int maxWatchesPerDomain, int watchQueueCapacity) {

    /** Xenstore-like defaults: 3072-character paths, 4096-byte values, 1000 keys and 128 watches per domain. */
    public static final Limits DEFAULT = new Limits(3072, 32, 4096, 1000, 128, 1024);

    public Limits {
        if (maxPathChars < 16 || maxDepth < 4 || maxValueBytes < 1 || maxKeysPerDomain < 1
                || maxWatchesPerDomain < 1 || watchQueueCapacity < 1) {
            throw new IllegalArgumentException("limits too small to be usable: " + this);
        }
    }
}
