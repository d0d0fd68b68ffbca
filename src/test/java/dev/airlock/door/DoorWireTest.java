package dev.airlock.door;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.qrexec.FrameReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DoorWireTest {

    private static FrameReader reader(byte[] bytes, boolean fromClient) {
        return reader(new ByteArrayInputStream(bytes), fromClient);
    }

    private static FrameReader reader(InputStream in, boolean fromClient) {
        return new FrameReader(Channels.newChannel(in), fromClient ? DoorWire.fromClient() : DoorWire.fromServer(),
                DoorWire.order());
    }

    @Test
    void aHostileRequestLengthIsRefusedBeforeAnythingIsAllocatedForIt() {
        byte[] header = {DoorWire.REQUEST, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> reader(header, true).read()).hasMessageContaining("more than its bound");
    }

    @Test
    void aDataFrameLongerThanItsBoundIsRefused() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DoorWire.write(out, DoorWire.STDOUT, new byte[0], 0, 0);
        byte[] b = out.toByteArray();
        ByteBuffer.wrap(b).putInt(1, DoorWire.MAX_DATA + 1);
        assertThatThrownBy(() -> reader(b, false).read()).hasMessageContaining("more than its bound");
    }

    @Test
    void aFrameTypeTheDirectionNeverSendsIsRefused() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DoorWire.write(out, DoorWire.EXIT, new byte[4], 0, 4);
        assertThatThrownBy(() -> reader(out.toByteArray(), true).read()).hasMessageContaining("unknown frame type");
        assertThat(reader(out.toByteArray(), false).read()).isPresent();
    }

    @Test
    void inputEndingInsideAFrameIsTruncatedAndTheErrorIsFinal() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DoorWire.write(out, DoorWire.STDIN, new byte[] {1, 2, 3}, 0, 3);
        byte[] cut = Arrays.copyOf(out.toByteArray(), out.size() - 1);
        FrameReader r = reader(cut, true);
        assertThatThrownBy(r::read).hasMessageContaining("ended inside a frame");
        assertThatThrownBy(r::read).hasMessageContaining("ended inside a frame");
    }

    @Test
    void framesSplitAcrossReadsArriveWhole() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] big = new byte[DoorWire.MAX_DATA + 10];
        Arrays.fill(big, (byte) 7);
        DoorWire.writeData(out, DoorWire.STDOUT, big, 0, big.length);
        InputStream oneByteAtATime = new ByteArrayInputStream(out.toByteArray()) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1));
            }
        };
        FrameReader r = reader(oneByteAtATime, false);
        assertThat(r.read().orElseThrow().body().remaining()).isEqualTo(DoorWire.MAX_DATA);
        assertThat(r.read().orElseThrow().body().remaining()).isEqualTo(10);
        assertThat(r.read()).isEmpty();
    }

    @Test
    void aRequestSurvivesEncodingAndDecoding() throws IOException {
        DoorRequest r = new DoorRequest(List.of("run", "work", "--", "ls", "ünï"), "/home/u", Map.of("A", "b=c"),
                5, 120);
        DoorRequest back = DoorRequest.decode(ByteBuffer.wrap(r.encode()));
        assertThat(back).isEqualTo(r);
        assertThat(back.isTerminal(0)).isTrue();
        assertThat(back.isTerminal(1)).isFalse();
        assertThat(back.isTerminal(2)).isTrue();
    }

    @Test
    void aRequestAnnouncingMoreEntriesThanTheBoundIsRefused() {
        ByteBuffer b = ByteBuffer.allocate(8).putInt(DoorRequest.MAX_ENTRIES + 1).flip();
        assertThatThrownBy(() -> DoorRequest.decode(b)).hasMessageContaining("entries");
    }

    @Test
    void aRequestStringLongerThanWhatIsLeftIsRefused() {
        ByteBuffer b = ByteBuffer.allocate(12).putInt(1).putInt(1000).flip();
        assertThatThrownBy(() -> DoorRequest.decode(b)).hasMessageContaining("a string of 1000 bytes");
    }

    @Test
    void aRequestWithTrailingBytesOrARelativeDirectoryIsRefused() throws IOException {
        byte[] good = new DoorRequest(List.of("ls"), "/", Map.of(), 0, 0).encode();
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> DoorRequest.decode(ByteBuffer.wrap(longer))).hasMessageContaining("trailing");
        byte[] relative = new DoorRequest(List.of("ls"), "tmp", Map.of(), 0, 0).encode();
        assertThatThrownBy(() -> DoorRequest.decode(ByteBuffer.wrap(relative))).hasMessageContaining("malformed");
        assertThatThrownBy(() -> DoorRequest.decode(ByteBuffer.wrap(good, 0, good.length - 2)))
                .hasMessageContaining("ended early");
    }

    @Test
    void aRequestTooLargeForTheWireEncodesAsNothingSoTheClientRunsItItself() throws IOException {
        String huge = "x".repeat(DoorWire.MAX_REQUEST);
        assertThat(new DoorRequest(List.of("ls"), "/", Map.of("BIG", huge), 0, 0).encode()).isEmpty();
    }
}
