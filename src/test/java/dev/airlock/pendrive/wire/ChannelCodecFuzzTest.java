package dev.airlock.pendrive.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the pendrive channel's frames (issue 17): the same bytes are read as a domain's
 * requests (the host's side) and as the host's responses (a domain's side). Only {@link IOException}s of the codec
 * escape; no frame body exceeds {@link ChannelCodec#MAX_FRAME}; and a request or response it accepts re-encodes to
 * the frame it came from, so that no two readers can disagree on what one frame says.
 */
class ChannelCodecFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void frames(byte[] data) {
        ReadableByteChannel in = Channels.newChannel(new ByteArrayInputStream(data));
        int frames = 0;
        try {
            for (Optional<ByteBuffer> body = ChannelCodec.readFrame(in); body.isPresent();
                 body = ChannelCodec.readFrame(in)) {
                ByteBuffer b = body.get();
                assertThat(b.remaining()).isBetween(1, ChannelCodec.MAX_FRAME);
                assertThat(++frames).isLessThanOrEqualTo(data.length / 5);
                request(b.duplicate());
                response(b.duplicate());
            }
        } catch (ChannelProtocolException refused) {
            // A bad length or a cut frame: refused, as it must be.
        } catch (IOException e) {
            throw new AssertionError("an I/O error that is not the codec's refusal", e);
        }
    }

    private static void request(ByteBuffer body) {
        ByteBuffer copy = body.duplicate();
        ChannelRequest r;
        try {
            r = ChannelCodec.decodeRequest(body);
        } catch (ChannelProtocolException refused) {
            return;
        }
        assertThat(frameBody(ChannelCodec.encode(r))).as("%s re-encodes to its frame", r).isEqualTo(copy);
    }

    private static void response(ByteBuffer body) {
        ByteBuffer copy = body.duplicate();
        ChannelResponse r;
        try {
            r = ChannelCodec.decodeResponse(body);
        } catch (ChannelProtocolException refused) {
            return;
        }
        if (r instanceof ChannelResponse.Failed f && f.message().length() > 1000) {
            return; // the encoder cuts long messages on purpose: they cannot re-encode to themselves
        }
        assertThat(frameBody(ChannelCodec.encode(r))).as("%s re-encodes to its frame", r).isEqualTo(copy);
    }

    private static ByteBuffer frameBody(ByteBuffer frame) {
        ByteBuffer f = frame.duplicate();
        int length = f.getInt(f.position());
        assertThat(length).isEqualTo(f.remaining() - 4);
        return f.position(f.position() + 4).slice();
    }
}
