package dev.airlock.broker;

import java.util.List;

/**
 * The JVM options of the resident broker (issue 16: under 100 MB resident when idle). The JVM's defaults size the
 * heap from the machine's memory: with 1/64 of it as the initial heap, the young generation alone was 100 MB here,
 * all of it touched before the first collection, for a broker whose live data is under 10 MB. A small initial heap
 * grows only as the data needs. C1 only: the broker's own code is small and hands connections over rather than
 * copying data, and C2's compiler threads and arenas cost more memory than its code gains. The native heap is
 * trimmed every 5 s, so that what a burst of calls freed goes back to the system. Direct memory is capped: the
 * buffers of finished calls are freed only by a collection, which the small heap seldom needs (measured: 80 MB
 * idle, 125 MB after 900 trivial calls without the cap, 89-108 MB with 32 MiB, 80-88 MB with 16 MiB), and the cap
 * forces one. A copy into the host takes 1 MiB of it, a relayed `airlock run` 128 KiB: 32 MiB leave room for
 * two dozen copies into the host at once, at the price of a few more idle megabytes after a burst.
 */
public final class BrokerJvm {
    /** Every option the broker's JVM gets after the java command; {@code ./airlock daemon} passes the same. */
    public static final List<String> OPTIONS = List.of("--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-Xms16m", "-Xmx1g", "-XX:+UseCompactObjectHeaders",
            "-XX:TrimNativeHeapInterval=5000", "-XX:MaxDirectMemorySize=32m");

    private BrokerJvm() {
    }
}
