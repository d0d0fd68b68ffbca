package dev.airlock.qrexec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * Random and mutated input: the decoder and a session behind it fail, if at all, only with a
 * {@link ProtocolException}, never hold more than {@link MessageDecoder#MAX_BUFFERED} bytes, and once failed stay
 * failed. The same input also goes through {@link MessageReader} (the shared {@link FrameReader} the agent, the
 * broker and the callers read with) in chunks of the same size, which must read exactly what the decoder reads
 * and fail the same way: what is fuzzed is what runs. Seeds are fixed so every run tries the same input.
 */
class DecoderFuzzTest {

    /** Headers whose type is known, so that random input gets past the first check often. */
    private static final int[] KNOWN_TYPES = {Wire.DATA_STDIN, Wire.DATA_STDOUT, Wire.DATA_STDERR,
        Wire.DATA_EXIT_CODE, Wire.HELLO, Wire.CALL_REQUEST, Wire.CALL_ACCEPTED, Wire.CALL_REFUSED,
        Wire.SERVICE_START, Wire.SERVICE_REFUSED, Wire.CONNECT, Wire.CALL_CHANNEL, Wire.AGENT_READY};

    @Property(tries = 500, seed = "7311")
    void randomBytesOnlyEverFailWithProtocolException(@ForAll @Size(max = 2000) byte[] input,
                                                      @ForAll @IntRange(min = 1, max = 64) int chunk,
                                                      @ForAll Direction direction) {
        feed(input, chunk, direction);
    }

    @Property(tries = 500, seed = "7312", edgeCases = EdgeCasesMode.NONE)
    void framesOfKnownTypesWithRandomPayloadsOnlyFailWithProtocolException(
            @ForAll("plausibleFrames") byte[] input, @ForAll @IntRange(min = 1, max = 300) int chunk,
            @ForAll Direction direction) {
        feed(input, chunk, direction);
    }

    @Property(tries = 500, seed = "7313", edgeCases = EdgeCasesMode.NONE)
    void mutatedValidConversationsOnlyFailWithProtocolException(@ForAll("mutatedConversations") byte[] input,
                                                                @ForAll @IntRange(min = 1, max = 999) int chunk,
                                                                @ForAll Direction direction) {
        feed(input, chunk, direction);
    }

    @Provide
    Arbitrary<byte[]> plausibleFrames() {
        Arbitrary<byte[]> frame = Combinators.combine(Arbitraries.of(box(KNOWN_TYPES)),
                Arbitraries.integers().between(0, 700), Arbitraries.bytes().array(byte[].class).ofMaxSize(700))
                .as((type, len, payload) -> Frames.cat(Frames.header(type, len), payload));
        return frame.list().ofMinSize(1).ofMaxSize(6).map(l -> Frames.cat(l.toArray(byte[][]::new)));
    }

    @Provide
    Arbitrary<byte[]> mutatedConversations() {
        Arbitrary<byte[]> valid = MessageArbitraries.messages().list().ofMinSize(1).ofMaxSize(6).map(l -> {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(MessageEncoder.encode(Message.Hello.current()));
            l.forEach(m -> b.writeBytes(MessageEncoder.encode(m)));
            return b.toByteArray();
        });
        Arbitrary<List<Tuple.Tuple2<Double, Byte>>> edits = Combinators.combine(
                Arbitraries.doubles().between(0, 1), Arbitraries.bytes()).as(Tuple::of).list().ofMaxSize(4);
        Arbitrary<Double> cut = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(1.0)),
                Tuple.of(1, Arbitraries.doubles().between(0, 1)));
        return Combinators.combine(valid, edits, cut).as((bytes, changes, keep) -> {
            byte[] b = bytes.clone();
            for (Tuple.Tuple2<Double, Byte> c : changes) {
                b[(int) (c.get1() * (b.length - 1))] = c.get2();
            }
            return java.util.Arrays.copyOf(b, (int) (keep * b.length));
        });
    }

    private static void feed(byte[] input, int chunk, Direction direction) {
        readerAgreesWithDecoder(input, chunk);
        MessageDecoder d = new MessageDecoder();
        Session s = new Session(direction);
        ProtocolException decoderFailure = null;
        ProtocolException sessionFailure = null;
        for (int pos = 0; pos < input.length && decoderFailure == null && sessionFailure == null; pos += chunk) {
            ByteBuffer in = ByteBuffer.wrap(input, pos, Math.min(chunk, input.length - pos));
            List<Message> decoded = List.of();
            try {
                decoded = d.decode(in);
            } catch (ProtocolException e) {
                decoderFailure = e;
            }
            assertThat(d.buffered()).isLessThanOrEqualTo(MessageDecoder.MAX_BUFFERED);
            try {
                for (Message m : decoded) {
                    s.accept(m);
                }
            } catch (ProtocolException e) {
                sessionFailure = e;
            }
        }
        if (decoderFailure == null && sessionFailure == null) {
            try {
                d.endOfInput();
            } catch (ProtocolException e) {
                assertThat(e.reason()).isEqualTo(ProtocolException.Reason.TRUNCATED);
                decoderFailure = e;
            }
        }
        if (decoderFailure != null) {
            assertThat(decoderFailure.reason()).isNotNull();
            assertStaysFailed(() -> d.decode(MessageEncoder.encode(Message.Hello.current())), decoderFailure);
        }
        if (sessionFailure != null) {
            assertThat(sessionFailure.reason()).isNotNull();
            assertStaysFailed(() -> s.accept(Message.Hello.current()), sessionFailure);
        }
    }

    /** The reader, fed {@code chunk} bytes per read, returns the decoder's messages and fails where it fails. */
    private static void readerAgreesWithDecoder(byte[] input, int chunk) {
        List<Message> expected = new ArrayList<>();
        ProtocolException.Reason expectedFailure = null;
        MessageDecoder d = new MessageDecoder();
        ByteBuffer all = ByteBuffer.wrap(input);
        try {
            for (Optional<Message> m = d.next(all); m.isPresent(); m = d.next(all)) {
                expected.add(m.get());
            }
            d.endOfInput();
        } catch (ProtocolException e) {
            expectedFailure = e.reason();
        }
        MessageReader r = new MessageReader(new ChunkedChannel(input, chunk));
        List<Message> read = new ArrayList<>();
        ProtocolException.Reason failure = null;
        try {
            for (Optional<Message> m = r.read(); m.isPresent(); m = r.read()) {
                read.add(m.get());
            }
        } catch (ProtocolException e) {
            failure = e.reason();
            assertStaysFailed(r::read, e);
        } catch (IOException e) {
            throw new AssertionError("the reader failed with something other than a protocol error", e);
        }
        assertThat(read).isEqualTo(expected);
        assertThat(failure).isEqualTo(expectedFailure);
    }

    private static void assertStaysFailed(ThrowingCallable call, ProtocolException first) {
        assertThatThrownBy(call).as("stays failed after %s", first.getMessage())
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.reason()).isEqualTo(first.reason()));
    }

    private static Integer[] box(int[] a) {
        return java.util.Arrays.stream(a).boxed().toArray(Integer[]::new);
    }
}
