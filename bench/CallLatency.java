import dev.airlock.agent.Caller;
import dev.airlock.qrexec.ServiceCall;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Call latency with a warm broker, for bench/d2d-copy.sh: WARMUP calls of SERVICE to TARGET through the domain
 * socket SOCKET, then MEASURED calls timed one by one (connect to exit code). Prints median, min and max in ms.
 * Run with the JDK's source launcher: java -cp target/airlock.jar bench/CallLatency.java SOCKET TARGET SERVICE
 * WARMUP MEASURED
 */
void main(String[] args) throws Exception {
    Path socket = Path.of(args[0]);
    int warmup = Integer.parseInt(args[3]);
    int measured = Integer.parseInt(args[4]);
    List<Long> nanos = new ArrayList<>();
    for (int i = 0; i < warmup + measured; i++) {
        long t0 = System.nanoTime();
        Caller.Outcome o = Caller.call(socket, args[1], new ServiceCall(args[2], ""),
                new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), new ByteArrayOutputStream());
        long t = System.nanoTime() - t0;
        if (o.exitCode() != 0) {
            throw new IllegalStateException("call " + i + " ended with " + o.exitCode() + " " + o.refusal());
        }
        if (i >= warmup) {
            nanos.add(t);
        }
    }
    Collections.sort(nanos);
    System.out.printf("%.2f %.2f %.2f%n", nanos.get(nanos.size() / 2) / 1e6, nanos.getFirst() / 1e6,
            nanos.getLast() / 1e6);
}
