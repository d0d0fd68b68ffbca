package dev.airlock.qrexec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * The shared bounded reader that qrexec messages and the pendrive channel read their frames with, under a framing
 * of its own: a 2-byte big-endian length of at most {@link #MAX} bytes.
 */
class FrameReaderTest {
    private static final int MAX = 300;

    /** The test framing; {@link #allocatedFor} records the lengths it let through. */
    private static final class Limited implements FrameReader.Framing {
        final List<Integer> allocatedFor = new ArrayList<>();

        @Override
        public int headerSize() {
            return 2;
        }

        @Override
        public int bodyLength(ByteBuffer header) throws IOException {
            int length = Short.toUnsignedInt(header.getShort(0));
            if (length > MAX) {
                throw new IOException("refused length " + length);
            }
            allocatedFor.add(length);
            return length;
        }

        @Override
        public IOException truncated() {
            return new IOException("truncated");
        }
    }

    private static byte[] frame(int length, byte fill) {
        byte[] f = new byte[2 + length];
        f[0] = (byte) (length >>> 8);
        f[1] = (byte) length;
        Arrays.fill(f, 2, f.length, fill);
        return f;
    }

    private static byte[] cat(byte[]... parts) {
        ByteBuffer b = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    @Test
    void aHostileLengthIsRefusedBeforeAnythingIsAllocatedForIt() {
        Limited framing = new Limited();
        ChunkedChannel in = new ChunkedChannel(cat(new byte[] {(byte) 0xff, (byte) 0xff}, new byte[1000]), 4096);
        FrameReader r = new FrameReader(in, framing, ByteOrder.BIG_ENDIAN);
        assertThatThrownBy(r::read).hasMessage("refused length 65535");
        assertThat(framing.allocatedFor).isEmpty();
        assertThat(in.consumed()).as("not a byte of the body was read").isEqualTo(2);
    }

    @Test
    void aPeerCannotResynchroniseAfterARefusal() throws IOException {
        // After a refused header, the bytes that follow are chosen by the peer: a reader that read on would take
        // them for a well-formed frame.
        ChunkedChannel in = new ChunkedChannel(cat(frame(MAX + 1, (byte) 0), frame(3, (byte) 7)), 4096);
        FrameReader r = new FrameReader(in, new Limited(), ByteOrder.BIG_ENDIAN);
        IOException first = null;
        try {
            r.read();
        } catch (IOException e) {
            first = e;
        }
        assertThat(first).isNotNull();
        int readsAtRefusal = in.reads();
        IOException refusal = first;
        assertThatThrownBy(r::read).isSameAs(refusal);
        assertThat(in.reads()).as("nothing more is read after the refusal").isEqualTo(readsAtRefusal);
    }

    @Test
    void inputCutInsideAFrameIsAnErrorNotAShortFrame() {
        byte[] whole = frame(10, (byte) 1);
        for (int cut = 1; cut < whole.length; cut++) {
            FrameReader r = new FrameReader(new ChunkedChannel(Arrays.copyOf(whole, cut), 4096), new Limited(),
                    ByteOrder.BIG_ENDIAN);
            assertThatThrownBy(r::read).as("cut after %d bytes", cut).hasMessage("truncated");
        }
    }

    @Test
    void aCleanEndBetweenFramesIsEmptyAndNoByteIsReadPastAFrame() throws IOException {
        ChunkedChannel in = new ChunkedChannel(cat(frame(0, (byte) 0), frame(2, (byte) 5), new byte[] {9, 9}), 4096);
        FrameReader r = new FrameReader(in, new Limited(), ByteOrder.BIG_ENDIAN);
        assertThat(r.read()).hasValueSatisfying(f -> assertThat(f.body().remaining()).isZero());
        assertThat(r.read()).hasValueSatisfying(f -> assertThat(f.body().get(1)).isEqualTo((byte) 5));
        assertThat(in.remaining()).as("the bytes after the frame are still there to hand on").isEqualTo(2);
        FrameReader empty = new FrameReader(new ChunkedChannel(new byte[0], 1), new Limited(), ByteOrder.BIG_ENDIAN);
        assertThat(empty.read()).isEmpty();
    }

    @Property(tries = 300, seed = "1212")
    void framesSplitAnywhereReadAsTheWholeDoes(@ForAll @Size(max = 6) List<@IntRange(max = MAX) Integer> lengths,
                                               @ForAll @IntRange(min = 1, max = 50) int chunk,
                                               @ForAll @IntRange(min = 0, max = 100) int cutPercent)
            throws IOException {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < lengths.size(); i++) {
            frames.add(frame(lengths.get(i), (byte) i));
        }
        byte[] whole = cat(frames.toArray(byte[][]::new));
        int cut = whole.length * cutPercent / 100;
        FrameReader r = new FrameReader(new ChunkedChannel(Arrays.copyOf(whole, cut), chunk), new Limited(),
                ByteOrder.BIG_ENDIAN);
        int complete = 0;
        int boundary = 0;
        while (complete < frames.size() && boundary + frames.get(complete).length <= cut) {
            boundary += frames.get(complete).length;
            complete++;
        }
        for (int i = 0; i < complete; i++) {
            Optional<FrameReader.Frame> f = r.read();
            assertThat(f).isPresent();
            assertThat(f.get().body().remaining()).isEqualTo(lengths.get(i));
            if (lengths.get(i) > 0) {
                assertThat(f.get().body().get(0)).isEqualTo((byte) i);
            }
        }
        if (boundary == cut) {
            assertThat(r.read()).isEmpty();
        } else {
            assertThatThrownBy(r::read).hasMessage("truncated");
        }
    }
}
