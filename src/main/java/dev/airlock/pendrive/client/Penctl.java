package dev.airlock.pendrive.client;

import dev.airlock.pendrive.KeyStoreFeed;
import dev.airlock.pendrive.PenRequest;
import dev.airlock.pendrive.wire.ChannelResponse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The requests of {@code qubes_penctl}: the value goes to this domain's {@code device/qpen} key, as in Qubes, and
 * the host's answer is read from {@code device/qpen_result}. One request at a time per domain: the host serves a
 * domain's requests in order, and an answer is matched to the request that was written just before it.
 */
public final class Penctl {
    /** What the host did with a request: served or refused, with its explanation. */
    public record Result(boolean served, String text) {
    }

    private static final String SERVED = "served: ";
    private static final String REFUSED = "refused: ";

    private Penctl() {
    }

    /**
     * Sends {@code value} ({@code new}, {@code send DEST}, ...) and waits for the host's answer, however long the
     * user takes to answer a question about it.
     *
     * @throws IllegalArgumentException {@code value} is not a request the daemon knows (nothing is sent)
     */
    public static Result request(Path socket, String value) throws IOException {
        PenRequest.parse(value);
        try (PenChannel watch = PenChannel.open(socket); PenChannel ch = PenChannel.open(socket)) {
            watch.watch(KeyStoreFeed.RESULT_KEY);
            ch.write(KeyStoreFeed.REQUEST_KEY, value);
            for (Optional<ChannelResponse.Event> e = watch.next(); e.isPresent(); e = watch.next()) {
                switch (e.get()) {
                    case ChannelResponse.Written(String path, String text)
                            when path.equals(KeyStoreFeed.RESULT_KEY) -> {
                        return parse(text);
                    }
                    case ChannelResponse.Overflow o -> {
                        return parse(ch.read(KeyStoreFeed.RESULT_KEY).orElse(""));
                    }
                    default -> {
                        // Another change below the result key: not the answer.
                    }
                }
            }
            throw new IOException("the host closed the pendrive channel before it answered");
        }
    }

    static Result parse(String text) throws IOException {
        if (text.startsWith(SERVED)) {
            return new Result(true, text.substring(SERVED.length()));
        }
        if (text.startsWith(REFUSED)) {
            return new Result(false, text.substring(REFUSED.length()));
        }
        throw new IOException("the host's answer is not understood: " + text);
    }
}
