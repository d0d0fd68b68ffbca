package dev.airlock.broker;

import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.Message.CallAccepted;
import dev.airlock.qrexec.Message.CallChannel;
import dev.airlock.qrexec.Message.CallRequest;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The hand-over of an allowed call whose service has started: one socket pair, an end to each side, after which
 * the broker only waits for the service's report of its end. It never sees a byte of the call.
 */
final class HandOver {
    /**
     * Socket buffer of a call's connection each way. The kernel's default (about 208 KiB) makes the sender wait for
     * the receiver every few hundred KiB; 1 MiB lets a bulk copy run in larger bursts (docs/benchmarks.md).
     */
    static final int CALL_BUFFER_BYTES = 1024 * 1024;
    /** How long the end of a disposable call's request connection waits for the service's report of the end. */
    private static final long CALLER_GONE_GRACE_MILLIS = 1000;

    private final CallRouter router;
    private final CallAudit audit;
    private final DisposablePool disposables;

    HandOver(CallRouter router, CallAudit audit, DisposablePool disposables) {
        this.router = router;
        this.audit = audit;
        this.disposables = disposables;
    }

    /** One socket pair for a call, with the larger buffers of {@link #CALL_BUFFER_BYTES}. */
    static UnixSocket[] pair() throws IOException {
        UnixSocket[] pair = UnixSocket.pair();
        for (UnixSocket end : pair) {
            end.setBufferSizes(CALL_BUFFER_BYTES);
        }
        return pair;
    }

    static ByteBuffer encode(Message m) {
        return ByteBuffer.wrap(MessageEncoder.encode(m));
    }

    /**
     * Hands each side its end of a new socket pair, then waits for the end of the call and records it. For a call
     * to a disposable, the caller's request connection {@code ch} is watched meanwhile: its end means the caller is
     * gone.
     */
    void run(String source, CallDecider.Allowed target, CallRequest r, CallRouter.Started service, UnixSocket ch,
             MessageReader in) {
        ServiceCall call = r.call();
        UnixSocket[] pair;
        try {
            pair = pair();
        } catch (IOException e) {
            audit.record(source, target.target(), call, null, "ended", "no socket pair for the call: "
                    + e.getMessage());
            return;
        }
        try (UnixSocket callerEnd = pair[0]; UnixSocket serviceEnd = pair[1]) {
            service.connection().sendWithDescriptor(encode(new CallChannel()), serviceEnd);
            ch.sendWithDescriptor(encode(new CallAccepted(r.requestId(), service.token())), callerEnd);
        } catch (IOException e) {
            // One side went away before it had its end; the other sees the end of the call on its own.
            audit.record(source, target.target(), call, null, "ended", "the call's connection could not be handed "
                    + "over: " + e.getMessage());
            return;
        }
        if (!target.disposable()) {
            ch.close();
            router.awaitEnd(source, target.target(), call, service.service());
            return;
        }
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Thread watch = Thread.ofPlatform().daemon().name("airlock-caller-" + target.target())
                .start(() -> watchCaller(source, target.target(), call, in, ended));
        try {
            router.awaitEnd(source, target.target(), call, service.service());
        } finally {
            ended.complete(null);
            // Wakes the watch, which then has nothing left to do.
            ch.close();
        }
        try {
            watch.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits for the end of a disposable call's request connection, which the caller holds for the life of the call:
     * once it ends (or brings anything at all) while the call goes on, the caller is gone, and so is the disposable.
     * A caller that is done closes it just after the service's exit code reached it, a moment before the service's
     * agent reports the same end: that report has {@link #CALLER_GONE_GRACE_MILLIS} to come first.
     */
    private void watchCaller(String source, String disposable, ServiceCall call, MessageReader in,
                             CompletableFuture<Void> ended) {
        String why;
        try {
            why = in.read().map(m -> "the caller sent " + m.getClass().getSimpleName() + " after its request")
                    .orElse("the caller closed its request connection");
        } catch (IOException e) {
            why = "the caller's request connection failed: " + e.getMessage();
        }
        try {
            ended.get(CALLER_GONE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            return;
        } catch (TimeoutException e) {
            // The call goes on without its caller.
        } catch (ExecutionException e) {
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        audit.record(source, disposable, call, null, "caller-gone", why + " before the call ended; " + disposable
                + " is destroyed");
        disposables.destroy(disposable);
    }
}
