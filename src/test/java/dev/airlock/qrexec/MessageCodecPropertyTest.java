package dev.airlock.qrexec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Any valid messages, encoded back to back and fed in chunks split anywhere, decode to themselves. Edge cases are
 * off: they would fill every try, and {@link MessageCodecTest#EVERY_TYPE} already holds each field's limits.
 */
class MessageCodecPropertyTest {

    @Provide
    Arbitrary<List<Message>> conversations() {
        return MessageArbitraries.messages().list().ofMinSize(1).ofMaxSize(12);
    }

    @Provide
    Arbitrary<List<Integer>> splits() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(1, 9)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(10, 70_000)))
                .list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 400, seed = "7301", edgeCases = EdgeCasesMode.NONE)
    void messagesSurviveAnySplit(@ForAll("conversations") List<Message> sent, @ForAll("splits") List<Integer> splits)
            throws ProtocolException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (Message m : sent) {
            wire.writeBytes(MessageEncoder.encode(m));
        }
        byte[] all = wire.toByteArray();
        MessageDecoder d = new MessageDecoder();
        List<Message> got = new ArrayList<>();
        int pos = 0;
        for (int i = 0; pos < all.length; i++) {
            int n = Math.min(splits.get(i % splits.size()), all.length - pos);
            got.addAll(d.decode(ByteBuffer.wrap(all, pos, n)));
            assertThat(d.buffered()).isLessThanOrEqualTo(MessageDecoder.MAX_BUFFERED);
            pos += n;
        }
        d.endOfInput();
        assertThat(got).isEqualTo(sent);
    }

    @Property(tries = 300, seed = "7302", edgeCases = EdgeCasesMode.NONE)
    void encodedSizeMatchesTheBytesAndBufferEncodingAgrees(@ForAll("conversations") List<Message> sent) {
        for (Message m : sent) {
            byte[] array = MessageEncoder.encode(m);
            assertThat(array).hasSize(MessageEncoder.encodedSize(m));
            ByteBuffer b = ByteBuffer.allocateDirect(array.length + 3).position(3);
            MessageEncoder.encode(m, b);
            assertThat(b.hasRemaining()).isFalse();
            byte[] fromDirect = new byte[array.length];
            b.get(3, fromDirect);
            assertThat(fromDirect).isEqualTo(array);
        }
    }
}
