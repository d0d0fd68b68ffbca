package dev.airlock.qrexec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.qrexec.Message.AgentReady;
import dev.airlock.qrexec.Message.CallAccepted;
import dev.airlock.qrexec.Message.CallRefused;
import dev.airlock.qrexec.Message.CallRequest;
import dev.airlock.qrexec.Message.Connect;
import dev.airlock.qrexec.Message.Data;
import dev.airlock.qrexec.Message.ExitCode;
import dev.airlock.qrexec.Message.Hello;
import dev.airlock.qrexec.Message.ServiceRefused;
import dev.airlock.qrexec.Message.ServiceStart;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MessageCodecTest {

    static final ServiceCall FILECOPY = new ServiceCall("qubes.Filecopy", "allow-all-names");

    /** One message of every type, with edge values. */
    static final List<Message> EVERY_TYPE = List.of(
            Message.Hello.current(),
            new Hello(-1),
            new Data(DataStream.STDIN, "hello".getBytes()),
            Data.eof(DataStream.STDIN),
            new Data(DataStream.STDOUT, new byte[Wire.MAX_LENGTH]),
            Data.eof(DataStream.STDOUT),
            new Data(DataStream.STDERR, new byte[] {0, -1, 10}),
            Data.eof(DataStream.STDERR),
            new ExitCode(0),
            new ExitCode(-1),
            new CallRequest(7, "@default", FILECOPY),
            new CallRequest(-1, "@dispvm:" + "d".repeat(31), new ServiceCall("s".repeat(255), "a".repeat(255))),
            new CallRequest(0, "@dispvm", new ServiceCall("qubes.OpenInVM", "")),
            new CallAccepted(7, 0x0123456789abcdefL),
            new CallRefused(7, 126, "refused by policy"),
            new CallRefused(8, 125, ""),
            new CallRefused(9, 127, "~".repeat(255)),
            new ServiceStart(Long.MIN_VALUE, "work", FILECOPY),
            new ServiceRefused(42, 127, "no such service"),
            new Connect(-2),
            new Message.CallChannel(),
            new AgentReady());

    @Test
    void everyMessageTypeSurvivesARoundTrip() throws ProtocolException {
        for (Message m : EVERY_TYPE) {
            byte[] wire = MessageEncoder.encode(m);
            assertThat(wire).hasSize(MessageEncoder.encodedSize(m));
            MessageDecoder d = new MessageDecoder();
            assertThat(d.decode(wire)).as("%s", m).containsExactly(m);
            assertThat(d.atBoundary()).isTrue();
            d.endOfInput();
        }
    }

    @Test
    void framingIsTheQrexecOne() {
        assertThat(MessageEncoder.encode(new Data(DataStream.STDOUT, new byte[] {'h', 'i'})))
                .containsExactly(0x91, 0x01, 0, 0, 2, 0, 0, 0, 'h', 'i');
        assertThat(MessageEncoder.encode(new ExitCode(-2))).containsExactly(0x93, 0x01, 0, 0, 4, 0, 0, 0,
                0xfe, 0xff, 0xff, 0xff);
        assertThat(MessageEncoder.encode(Hello.current())).containsExactly(0, 3, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0);
        assertThat(MessageEncoder.encode(Data.eof(DataStream.STDIN))).containsExactly(0x90, 1, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void callRequestLayout() {
        byte[] expected = new Frames().u32(7).str("@default").str("qubes.Filecopy").str("allow-all-names")
                .frame(Wire.CALL_REQUEST);
        assertThat(MessageEncoder.encode(new CallRequest(7, "@default", FILECOPY))).isEqualTo(expected);
    }

    @Test
    void everyTypeFedOneByteAtATimeDecodesTheSame() throws ProtocolException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        EVERY_TYPE.forEach(m -> all.writeBytes(MessageEncoder.encode(m)));
        MessageDecoder d = new MessageDecoder();
        List<Message> got = new ArrayList<>();
        for (byte b : all.toByteArray()) {
            got.addAll(d.decode(new byte[] {b}));
        }
        assertThat(got).isEqualTo(EVERY_TYPE);
    }

    @Test
    void nextConsumesOnlyTheBytesOfOneMessage() throws ProtocolException {
        byte[] two = Frames.cat(MessageEncoder.encode(new ExitCode(1)), MessageEncoder.encode(new ExitCode(2)));
        ByteBuffer in = ByteBuffer.wrap(two);
        MessageDecoder d = new MessageDecoder();
        assertThat(d.next(in)).contains(new ExitCode(1));
        assertThat(in.remaining()).isEqualTo(12);
        assertThat(d.next(in)).contains(new ExitCode(2));
        assertThat(d.next(in)).isEmpty();
    }

    @Test
    void encodeIntoABufferThatIsTooSmallWritesNothing() {
        ByteBuffer small = ByteBuffer.allocate(11);
        assertThatThrownBy(() -> MessageEncoder.encode(new ExitCode(3), small))
                .isInstanceOf(BufferOverflowException.class);
        assertThat(small.position()).isZero();
    }

    @Test
    void encodeKeepsTheBuffersByteOrder() {
        ByteBuffer b = ByteBuffer.allocate(64);
        MessageEncoder.encode(new ExitCode(1), b);
        assertThat(b.order()).isEqualTo(java.nio.ByteOrder.BIG_ENDIAN);
        assertThat(Arrays.copyOf(b.array(), 12)).isEqualTo(MessageEncoder.encode(new ExitCode(1)));
    }

    @Test
    void writeToAChannelSendsTheSameBytes() throws IOException {
        for (Message m : EVERY_TYPE) {
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            MessageEncoder.write(m, Channels.newChannel(sink));
            assertThat(sink.toByteArray()).isEqualTo(MessageEncoder.encode(m));
        }
    }

    @Test
    void writeToAGatheringChannelSendsTheSameBytes() throws Exception {
        Pipe pipe = Pipe.open();
        Message m = new Data(DataStream.STDOUT, new byte[] {1, 2, 3});
        MessageEncoder.write(m, pipe.sink());
        ByteBuffer got = ByteBuffer.allocate(MessageEncoder.encodedSize(m));
        while (got.hasRemaining()) {
            pipe.source().read(got);
        }
        assertThat(got.array()).isEqualTo(MessageEncoder.encode(m));
        pipe.sink().close();
        pipe.source().close();
    }

    @Test
    void dataIsCopiedInAndOut() {
        byte[] b = {1, 2, 3};
        Data d = new Data(DataStream.STDIN, b);
        b[0] = 9;
        d.bytes()[1] = 9;
        assertThat(d.bytes()).containsExactly(1, 2, 3);
        assertThat(d.view().isReadOnly()).isTrue();
    }

    @Test
    void messagesRefuseInvalidFieldsWhenMade() {
        assertThatThrownBy(() -> new Data(DataStream.STDIN, new byte[Wire.MAX_LENGTH + 1]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CallRequest(1, "", FILECOPY)).isInstanceOf(InvalidNameException.class);
        assertThatThrownBy(() -> new CallRefused(1, 0, "ok")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CallRefused(1, 126, "\u001b[2J")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ServiceRefused(1, 126, "policy")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ServiceStart(1, "@dispvm", FILECOPY)).isInstanceOf(InvalidNameException.class);
    }

    @Test
    void emptyInputIsABoundary() throws ProtocolException {
        MessageDecoder d = new MessageDecoder();
        assertThat(d.next(ByteBuffer.allocate(0))).isEqualTo(Optional.empty());
        d.endOfInput();
    }
}
