import dev.airlock.agent.Caller;
import dev.airlock.qrexec.ServiceCall;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Paced trivial calls for bench/load.sh (issue 17): CALLS calls of SERVICE spread evenly over SECONDS, from the
 * domains whose agent sockets are listed (SOCKET:NAME, comma-separated), each call to the next domain in the list,
 * THREADS at a time. Each call is bounded by its own deadline (a call still running after it counts as hung and the
 * run ends with status 1). Prints "calls N failed F hung H median MS p99 MS max MS"; any failure also lists
 * the first reasons on stderr.
 * Run with the JDK's source launcher: java -cp target/airlock.jar bench/Soak.java SOCKETS SERVICE CALLS SECONDS
 * THREADS
 */
void main(String[] args) throws Exception {
    String[] pairs = args[0].split(",");
    List<Path> sockets = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (String p : pairs) {
        int at = p.lastIndexOf(':');
        sockets.add(Path.of(p.substring(0, at)));
        names.add(p.substring(at + 1));
    }
    String service = args[1];
    int calls = Integer.parseInt(args[2]);
    long seconds = Long.parseLong(args[3]);
    int threads = Integer.parseInt(args[4]);
    long interval = seconds * 1_000_000_000L / Math.max(1, calls);
    long start = System.nanoTime();
    AtomicInteger failed = new AtomicInteger();
    List<String> reasons = Collections.synchronizedList(new ArrayList<>());
    List<Long> nanos = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> pending = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
        long due = start + i * interval;
        long wait = due - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        int from = i % sockets.size();
        int to = (from + 1) % sockets.size();
        int n = i;
        pending.add(pool.submit(() -> {
            long t0 = System.nanoTime();
            try {
                Caller.Outcome o = Caller.call(sockets.get(from), names.get(to), new ServiceCall(service, ""),
                        new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                        new ByteArrayOutputStream());
                if (o.exitCode() != 0) {
                    failed.incrementAndGet();
                    if (reasons.size() < 5) {
                        reasons.add("call " + n + ": exit " + o.exitCode() + " " + o.refusal().orElse(""));
                    }
                }
            } catch (Exception e) {
                failed.incrementAndGet();
                if (reasons.size() < 5) {
                    reasons.add("call " + n + ": " + e);
                }
            }
            nanos.add(System.nanoTime() - t0);
        }));
        // Keep the queue short: a stalled broker shows as hung calls, not as an unbounded backlog here.
        if (pending.size() > threads * 4) {
            pending.removeIf(Future::isDone);
        }
    }
    pool.shutdown();
    boolean ended = pool.awaitTermination(60, TimeUnit.SECONDS);
    int hung = ended ? 0 : (int) pending.stream().filter(f -> !f.isDone()).count();
    List<Long> sorted;
    synchronized (nanos) {
        sorted = new ArrayList<>(nanos);
    }
    Collections.sort(sorted);
    reasons.forEach(r -> System.err.println("soak: " + r));
    System.out.printf("calls %d failed %d hung %d median %.2f p99 %.2f max %.2f%n", sorted.size(), failed.get(), hung,
            sorted.get(sorted.size() / 2) / 1e6, sorted.get((int) (sorted.size() * 0.99)) / 1e6,
            sorted.getLast() / 1e6);
    System.exit(hung > 0 ? 1 : 0);
}
