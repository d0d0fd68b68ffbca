package dev.airlock.qrexec;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the qrexec framing and its call-control messages (issue 17), as a peer sends them.
 * Only {@link ProtocolException} may escape the decoder, the frame reader and the {@link Session} order rules; the
 * decoder never holds more than {@link MessageDecoder#MAX_BUFFERED} bytes; every message it accepts re-encodes to
 * exactly the bytes it came from (no second reading of the same bytes); and the stream gives the same messages
 * whether it arrives whole, in pieces of any size, or through the channel reader.
 */
class QrexecFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void messages(byte[] data) throws IOException {
        Direction direction = Direction.values()[data.length == 0 ? 0 : (data[0] & 0xff) % Direction.values().length];
        int piece = data.length < 2 ? 1 : 1 + (data[1] & 0xff);
        byte[] wire = data.length < 2 ? data : Arrays.copyOfRange(data, 2, data.length);

        List<Message> whole = new ArrayList<>();
        ProtocolException wholeError = null;
        MessageDecoder decoder = new MessageDecoder();
        ByteArrayOutputStream accepted = new ByteArrayOutputStream();
        ByteBuffer all = ByteBuffer.wrap(wire);
        try {
            for (Optional<Message> next = decoder.next(all); next.isPresent(); next = decoder.next(all)) {
                Message m = next.get();
                whole.add(m);
                accepted.write(MessageEncoder.encode(m));
            }
            decoder.endOfInput();
        } catch (ProtocolException e) {
            wholeError = e;
        }
        assertThat(decoder.buffered()).isLessThanOrEqualTo(MessageDecoder.MAX_BUFFERED);
        byte[] consumed = accepted.toByteArray();
        assertThat(consumed.length).as("bytes of the accepted messages").isLessThanOrEqualTo(wire.length);
        assertThat(ByteBuffer.wrap(wire, 0, consumed.length)).as("the accepted messages re-encode to the input")
                .isEqualTo(ByteBuffer.wrap(consumed));

        MessageDecoder pieces = new MessageDecoder();
        List<Message> split = new ArrayList<>();
        boolean splitFailed = false;
        try {
            for (int at = 0; at < wire.length; at += piece) {
                ByteBuffer b = ByteBuffer.wrap(wire, at, Math.min(piece, wire.length - at));
                for (Optional<Message> next = pieces.next(b); next.isPresent(); next = pieces.next(b)) {
                    split.add(next.get());
                }
                assertThat(pieces.buffered()).isLessThanOrEqualTo(MessageDecoder.MAX_BUFFERED);
            }
            pieces.endOfInput();
        } catch (ProtocolException e) {
            splitFailed = true;
        }
        assertThat(split).as("messages read in pieces of %d bytes", piece).isEqualTo(whole);
        assertThat(splitFailed).as("refused in pieces as whole").isEqualTo(wholeError != null);

        MessageReader reader = new MessageReader(Channels.newChannel(new ByteArrayInputStream(wire)));
        List<Message> read = new ArrayList<>();
        boolean readerFailed = false;
        try {
            for (Optional<Message> m = reader.read(); m.isPresent(); m = reader.read()) {
                read.add(m.get());
            }
        } catch (ProtocolException e) {
            readerFailed = true;
        }
        assertThat(read).as("messages through the channel reader").isEqualTo(whole);
        assertThat(readerFailed).as("refused by the channel reader as by the decoder").isEqualTo(wholeError != null);

        Session session = new Session(direction);
        try {
            for (Message m : whole) {
                assertThat(session.accept(m)).isNotNull();
            }
        } catch (ProtocolException refused) {
            // The order rules refused a message: what a receiver must do, not a finding.
        }
    }
}
