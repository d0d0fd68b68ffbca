import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.agent.Caller;
import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ServiceCall;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Start of a service in a disposable, for bench/dispvm-start.sh: RUNS calls of SERVICE to @dispvm through the domain
 * socket SOCKET, each timed from the call until the service's first output arrives (it prints as it starts), then
 * the call is closed and its disposable destroyed. With POOLED=pooled it waits before each call until the broker
 * has a disposable ready in its pool (that wait is not timed). Prints median, min and max in ms.
 * Run with the JDK's source launcher, AIRLOCK_HOME set:
 * java -cp target/airlock.jar bench/DispvmStart.java SOCKET SERVICE RUNS pooled|cold
 */
void main(String[] args) throws Exception {
    Path socket = Path.of(args[0]);
    int runs = Integer.parseInt(args[2]);
    boolean pooled = args[3].equals("pooled");
    AdminClient admin = new AdminClient(AirlockHome.fromEnvironment());
    List<Long> nanos = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
        if (pooled) {
            awaitPooled(admin);
        }
        long t0 = System.nanoTime();
        try (Caller.Call call = Caller.connect(socket, "@dispvm", new ServiceCall(args[1], ""))) {
            Optional<Message> first = new MessageReader(call.data()).read();
            long t = System.nanoTime() - t0;
            if (!(first.orElse(null) instanceof Message.Data d) || d.bytes().length == 0) {
                throw new IllegalStateException("call " + i + ": the service sent no output first: " + first);
            }
            nanos.add(t);
        }
    }
    Collections.sort(nanos);
    System.out.printf("%.1f %.1f %.1f%n", nanos.get(nanos.size() / 2) / 1e6, nanos.getFirst() / 1e6,
            nanos.getLast() / 1e6);
}

void awaitPooled(AdminClient admin) throws Exception {
    for (int i = 0; i < 600; i++) {
        JsonNode pooled = admin.call(AdminClient.request("running")).path("pooled");
        if (!pooled.isEmpty()) {
            return;
        }
        Thread.sleep(50);
    }
    throw new IllegalStateException("the pool stayed empty for 30 s");
}
