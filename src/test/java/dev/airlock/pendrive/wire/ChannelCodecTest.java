package dev.airlock.pendrive.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.pendrive.Device;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ChannelCodecTest {

    private static final List<ChannelRequest> REQUESTS = List.of(
            new ChannelRequest.Read("device/qpen"),
            new ChannelRequest.Write("/local/domain/3/x", "värde ✓"),
            new ChannelRequest.Remove("a/b"),
            new ChannelRequest.Watch("device/xvdh"),
            new ChannelRequest.DeviceSize(Device.XVDH),
            new ChannelRequest.BlockRead(Device.XVDG, 1L << 40, ChannelCodec.MAX_BLOCK),
            new ChannelRequest.BlockWrite(Device.XVDG, 512, new byte[] {1, 2, 3}));

    private static final List<ChannelResponse> RESPONSES = List.of(
            new ChannelResponse.Done(),
            new ChannelResponse.Value(Optional.of("")),
            new ChannelResponse.Value(Optional.empty()),
            new ChannelResponse.Size(1L << 30),
            new ChannelResponse.Data(new byte[] {9}),
            new ChannelResponse.Failed(ChannelResponse.Code.NOT_ATTACHED, "gone"),
            new ChannelResponse.Written("device/xvdh", "7"),
            new ChannelResponse.Removed("device/xvdg"),
            new ChannelResponse.Overflow());

    @Test
    void everyRequestSurvivesTheWireEvenOneByteAtATime() throws IOException {
        for (ChannelRequest r : REQUESTS) {
            ByteBuffer body = ChannelCodec.readFrame(trickle(bytes(ChannelCodec.encode(r)))).orElseThrow();
            ChannelRequest back = ChannelCodec.decodeRequest(body);
            if (r instanceof ChannelRequest.BlockWrite w) {
                assertThat(back).isInstanceOfSatisfying(ChannelRequest.BlockWrite.class, b -> {
                    assertThat(b.offset()).isEqualTo(w.offset());
                    assertThat(b.data()).isEqualTo(w.data());
                });
            } else {
                assertThat(back).isEqualTo(r);
            }
        }
    }

    @Test
    void everyResponseSurvivesTheWire() throws IOException {
        for (ChannelResponse r : RESPONSES) {
            ByteBuffer body = ChannelCodec.readFrame(trickle(bytes(ChannelCodec.encode(r)))).orElseThrow();
            ChannelResponse back = ChannelCodec.decodeResponse(body);
            if (r instanceof ChannelResponse.Data d) {
                assertThat(((ChannelResponse.Data) back).bytes()).isEqualTo(d.bytes());
            } else {
                assertThat(back).isEqualTo(r);
            }
        }
    }

    @Test
    void aStreamThatEndsBetweenFramesIsACleanEnd() throws IOException {
        assertThat(ChannelCodec.readFrame(trickle(new byte[0]))).isEmpty();
    }

    @Test
    void aStreamThatEndsInsideAFrameIsRefused() {
        byte[] whole = bytes(ChannelCodec.encode(new ChannelRequest.Read("device/qpen")));
        for (int cut = 1; cut < whole.length; cut++) {
            byte[] part = java.util.Arrays.copyOf(whole, cut);
            assertThatThrownBy(() -> ChannelCodec.readFrame(trickle(part)))
                    .isInstanceOf(ChannelProtocolException.class);
        }
    }

    @Test
    void hugeFrameLengthIsRefusedBeforeAnythingIsAllocated() {
        byte[] prefix = ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array();
        assertThatThrownBy(() -> ChannelCodec.readFrame(trickle(prefix)))
                .isInstanceOf(ChannelProtocolException.class).hasMessageContaining("out of bounds");
        byte[] negative = ByteBuffer.allocate(4).putInt(-1).array();
        assertThatThrownBy(() -> ChannelCodec.readFrame(trickle(negative)))
                .isInstanceOf(ChannelProtocolException.class);
        byte[] empty = ByteBuffer.allocate(4).putInt(0).array();
        assertThatThrownBy(() -> ChannelCodec.readFrame(trickle(empty)))
                .isInstanceOf(ChannelProtocolException.class);
    }

    @Test
    void unknownTypesAreRefused() {
        assertThatThrownBy(() -> ChannelCodec.decodeRequest(ByteBuffer.wrap(new byte[] {99})))
                .isInstanceOf(ChannelProtocolException.class).hasMessageContaining("unknown request type 99");
        // A response is not a request, and the other way round.
        assertThatThrownBy(() -> ChannelCodec.decodeRequest(body(ChannelCodec.encode(new ChannelResponse.Done()))))
                .isInstanceOf(ChannelProtocolException.class);
        assertThatThrownBy(() -> ChannelCodec.decodeResponse(body(ChannelCodec.encode(new ChannelRequest.Read("a")))))
                .isInstanceOf(ChannelProtocolException.class);
    }

    @Test
    void bytesAfterTheLastFieldAreRefused() {
        ByteBuffer b = body(ChannelCodec.encode(new ChannelRequest.Read("abc")));
        ByteBuffer longer = ByteBuffer.allocate(b.remaining() + 1).put(b).put((byte) 0).flip();
        assertThatThrownBy(() -> ChannelCodec.decodeRequest(longer))
                .isInstanceOf(ChannelProtocolException.class).hasMessageContaining("after the last field");
    }

    @Test
    void aStringLongerThanItsFrameIsRefused() {
        ByteBuffer b = ByteBuffer.allocate(5).put((byte) 1).putShort((short) 100).put((byte) 'a').put((byte) 'b')
                .flip();
        assertThatThrownBy(() -> ChannelCodec.decodeRequest(b))
                .isInstanceOf(ChannelProtocolException.class).hasMessageContaining("does not fit");
    }

    @Test
    void aStringBeyondTheLimitIsRefusedEvenWhenTheFrameHoldsIt() {
        int n = ChannelCodec.MAX_STRING + 1;
        ByteBuffer b = ByteBuffer.allocate(3 + n).put((byte) 1).putShort((short) n);
        while (b.hasRemaining()) {
            b.put((byte) 'a');
        }
        assertThatThrownBy(() -> ChannelCodec.decodeRequest(b.flip()))
                .isInstanceOf(ChannelProtocolException.class);
    }

    @Test
    void malformedUtf8IsRefused() {
        ByteBuffer b = ByteBuffer.allocate(5).put((byte) 1).putShort((short) 2).put((byte) 0xC3).put((byte) 0x28)
                .flip();
        assertThatThrownBy(() -> ChannelCodec.decodeRequest(b))
                .isInstanceOf(ChannelProtocolException.class).hasMessageContaining("UTF-8");
    }

    @Test
    void blockReadsBeyondTheLimitOrAtNegativeOffsetsAreRefused() {
        ByteBuffer tooLong = ByteBuffer.allocate(14).put((byte) 6).put((byte) 0).putLong(0)
                .putInt(ChannelCodec.MAX_BLOCK + 1).flip();
        assertThatThrownBy(() -> ChannelCodec.decodeRequest(tooLong)).isInstanceOf(ChannelProtocolException.class);
        ByteBuffer zero = ByteBuffer.allocate(14).put((byte) 6).put((byte) 0).putLong(0).putInt(0).flip();
        assertThatThrownBy(() -> ChannelCodec.decodeRequest(zero)).isInstanceOf(ChannelProtocolException.class);
        ByteBuffer negative = ByteBuffer.allocate(14).put((byte) 6).put((byte) 0).putLong(-512).putInt(512).flip();
        assertThatThrownBy(() -> ChannelCodec.decodeRequest(negative)).isInstanceOf(ChannelProtocolException.class);
        ByteBuffer emptyWrite = ByteBuffer.allocate(10).put((byte) 7).put((byte) 0).putLong(0).flip();
        assertThatThrownBy(() -> ChannelCodec.decodeRequest(emptyWrite)).isInstanceOf(ChannelProtocolException.class);
    }

    @Test
    void unknownDevicesAndCodesAreRefused() {
        ByteBuffer device = ByteBuffer.allocate(2).put((byte) 5).put((byte) 2).flip();
        assertThatThrownBy(() -> ChannelCodec.decodeRequest(device))
                .isInstanceOf(ChannelProtocolException.class).hasMessageContaining("unknown device");
        ByteBuffer code = ByteBuffer.allocate(4).put((byte) 0x45).put((byte) 200).putShort((short) 0).flip();
        assertThatThrownBy(() -> ChannelCodec.decodeResponse(code))
                .isInstanceOf(ChannelProtocolException.class).hasMessageContaining("unknown error code");
        ByteBuffer flag = ByteBuffer.allocate(2).put((byte) 0x42).put((byte) 7).flip();
        assertThatThrownBy(() -> ChannelCodec.decodeResponse(flag)).isInstanceOf(ChannelProtocolException.class);
    }

    @Property(tries = 2000)
    void randomBodiesFailOnlyWithAProtocolError(@ForAll @Size(max = 64) byte[] body) {
        for (boolean request : new boolean[] {true, false}) {
            try {
                if (request) {
                    ChannelCodec.decodeRequest(ByteBuffer.wrap(body));
                } else {
                    ChannelCodec.decodeResponse(ByteBuffer.wrap(body));
                }
            } catch (ChannelProtocolException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    private static ByteBuffer body(ByteBuffer frame) {
        return frame.position(4).slice();
    }

    /** A channel that gives one byte per read, as a slow socket may. */
    private static ReadableByteChannel trickle(byte[] data) {
        ReadableByteChannel in = Channels.newChannel(new ByteArrayInputStream(data));
        return new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                if (!dst.hasRemaining()) {
                    return 0;
                }
                ByteBuffer one = ByteBuffer.allocate(1);
                int n = in.read(one);
                if (n > 0) {
                    dst.put(one.flip());
                }
                return n;
            }

            @Override
            public boolean isOpen() {
                return in.isOpen();
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }
}
