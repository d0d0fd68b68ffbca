package dev.airlock.filecopy;

import java.io.IOException;
import java.nio.channels.Pipe;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Both ends of a file copy in one process: the packer on the calling thread, the unpacker on its own confined
 * thread, joined by two OS pipes (data one way, the reply the other), exactly as two domains would be.
 */
public final class LocalCopy {
    private LocalCopy() {
    }

    /**
     * Copies {@code sources} into {@code destination}. Returns when the receiver confirmed everything; any
     * failure, on either side, is a {@link TransferException} with a message for the user.
     */
    public static Packer.Result run(List<String> sources, Path destination, Unpacker.Options receiver,
                                    Packer.Options sender) throws TransferException {
        Pipe data;
        Pipe replies;
        try {
            data = Pipe.open();
            replies = Pipe.open();
        } catch (IOException e) {
            throw new TransferException("cannot create a pipe: " + e.getMessage(), e);
        }
        AtomicReference<Throwable> receiverFailure = new AtomicReference<>();
        Thread receiverThread = Thread.ofPlatform().name("airlock-local-receiver").start(() -> {
            // Closing both ends tells the sender at once when the receiver stops, whatever the reason.
            try (var in = data.source(); var out = replies.sink()) {
                Unpacker.receive(destination, in, out, receiver);
            } catch (Throwable t) {
                receiverFailure.set(t);
            }
        });
        try (var replyIn = replies.source()) {
            Packer.Result result = Packer.send(sources, data.sink(), replyIn, sender);
            join(receiverThread);
            return result;
        } catch (TransferException e) {
            join(receiverThread);
            Throwable f = receiverFailure.get();
            if (f != null) {
                throw new TransferException(f.getMessage() == null ? f.toString() : f.getMessage(), f);
            }
            throw e;
        } catch (IOException e) {
            join(receiverThread);
            throw new TransferException(e.getMessage(), e);
        }
    }

    private static void join(Thread t) throws TransferException {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransferException("interrupted while the receiver finished");
        }
    }
}
