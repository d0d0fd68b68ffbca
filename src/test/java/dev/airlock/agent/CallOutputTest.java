package dev.airlock.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.qrexec.DataStream;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.ProtocolException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** A called service's output as its caller reads it; the service is not trusted. */
class CallOutputTest {

    private static byte[] conversation(Message... messages) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Message m : messages) {
            b.writeBytes(MessageEncoder.encode(m));
        }
        return b.toByteArray();
    }

    private static Message.Data data(DataStream s, String text) {
        return new Message.Data(s, text.getBytes(StandardCharsets.UTF_8));
    }

    private static CallOutput over(byte[] wire, ByteArrayOutputStream stderr) {
        return new CallOutput(new MessageReader(Channels.newChannel(new ByteArrayInputStream(wire))), stderr);
    }

    @Test
    void stderrNeverMixesIntoTheReplyTheCallerReads() throws IOException {
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        CallOutput out = over(conversation(data(DataStream.STDOUT, "rep"), data(DataStream.STDERR, "warning"),
                data(DataStream.STDOUT, "ly"), Message.Data.eof(DataStream.STDOUT), new Message.ExitCode(0)), stderr);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        assertThat(out.copyTo(stdout)).hasValue(0);
        assertThat(stdout.toString(StandardCharsets.UTF_8)).isEqualTo("reply");
        assertThat(stderr.toString(StandardCharsets.UTF_8)).isEqualTo("warning");
    }

    @Test
    void nothingAfterTheExitCodeIsTakenForOutput() throws IOException {
        CallOutput out = over(conversation(new Message.ExitCode(3), data(DataStream.STDOUT, "late")),
                new ByteArrayOutputStream());
        assertThat(out.read(ByteBuffer.allocate(16))).isEqualTo(-1);
        assertThat(out.exitCode()).hasValue(3);
    }

    @Test
    void aServiceThatEndsWithoutAnExitCodeHasNone() throws IOException {
        CallOutput out = over(conversation(data(DataStream.STDOUT, "x")), new ByteArrayOutputStream());
        assertThat(out.exitCode()).isEqualTo(OptionalInt.empty());
    }

    @Test
    void aBrokenFrameEndsTheReplyAndIsReportedWithTheExitCode() {
        byte[] cut = conversation(data(DataStream.STDOUT, "partial reply"));
        CallOutput out = over(Arrays.copyOf(cut, cut.length - 3), new ByteArrayOutputStream());
        assertThat(out.read(ByteBuffer.allocate(64))).isEqualTo(-1);
        assertThatThrownBy(out::exitCode).isInstanceOf(ProtocolException.class);
    }
}
