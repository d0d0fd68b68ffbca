package dev.airlock.qrexec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.qrexec.Message.AgentReady;
import dev.airlock.qrexec.Message.Connect;
import dev.airlock.qrexec.Message.Hello;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import org.junit.jupiter.api.Test;

class MessageReaderTest {

    @Test
    void readsOneMessageAtATimeAndNotAByteMore() throws Exception {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.write(MessageEncoder.encode(Hello.current()));
        wire.write(MessageEncoder.encode(new Connect(42)));
        wire.write(new byte[] {1, 2, 3});
        ReadableByteChannel ch = Channels.newChannel(new ByteArrayInputStream(wire.toByteArray()));
        MessageReader r = new MessageReader(ch);
        assertThat(r.require()).isEqualTo(Hello.current());
        assertThat(r.require()).isEqualTo(new Connect(42));
        assertThat(Channels.newInputStream(ch).readAllBytes()).containsExactly(1, 2, 3);
    }

    @Test
    void cleanEndIsEmptyAndACutMessageIsAnError() throws Exception {
        byte[] ready = MessageEncoder.encode(new AgentReady());
        MessageReader r = new MessageReader(Channels.newChannel(new ByteArrayInputStream(ready)));
        assertThat(r.read()).contains(new AgentReady());
        assertThat(r.read()).isEmpty();
        byte[] hello = MessageEncoder.encode(Hello.current());
        MessageReader cut = new MessageReader(Channels.newChannel(new ByteArrayInputStream(hello, 0, 10)));
        assertThatThrownBy(cut::read).isInstanceOf(ProtocolException.class);
    }
}
