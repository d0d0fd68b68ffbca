package dev.airlock.qrexec;

import static dev.airlock.qrexec.Frames.cat;
import static dev.airlock.qrexec.Frames.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.qrexec.Message.CallAccepted;
import dev.airlock.qrexec.Message.CallRequest;
import dev.airlock.qrexec.Message.Connect;
import dev.airlock.qrexec.Message.Data;
import dev.airlock.qrexec.Message.ExitCode;
import dev.airlock.qrexec.Message.Hello;
import dev.airlock.qrexec.Message.ServiceStart;
import dev.airlock.qrexec.ProtocolException.Reason;
import dev.airlock.qrexec.Session.Verdict;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Hostile bytes and hostile message orders; each test names the attack it defeats. */
class HostileFrameTest {

    private static final byte[] HELLO = MessageEncoder.encode(Hello.current());
    private static final ServiceCall CALL = new ServiceCall("qubes.Filecopy", "");

    // --- framing -----------------------------------------------------------------------------------------------

    @Test
    void oversizedLengthCannotExhaustMemory() {
        MessageDecoder d = new MessageDecoder();
        assertRefused(() -> d.decode(header(Wire.DATA_STDIN, 0xffff_ffffL)), Reason.OVERSIZED_LENGTH);
        assertThat(d.buffered()).isEqualTo(Wire.HEADER_SIZE);
        assertRefused(() -> new MessageDecoder().decode(header(Wire.DATA_STDOUT, Wire.MAX_LENGTH + 1)),
                Reason.OVERSIZED_LENGTH);
    }

    @Test
    void controlMessageCannotReserveADataSizedBuffer() {
        MessageDecoder d = new MessageDecoder();
        assertRefused(() -> d.decode(header(Wire.CALL_REQUEST, Wire.MAX_LENGTH)), Reason.BAD_PAYLOAD_SIZE);
        assertThat(d.buffered()).isEqualTo(Wire.HEADER_SIZE);
    }

    @Test
    void unknownTypeEndsSession() {
        MessageDecoder d = new MessageDecoder();
        // 0x200 is Qubes' MSG_JUST_EXEC: a command line to run, which airlock never accepts.
        assertRefused(() -> d.decode(cat(header(0x200, 4), new byte[4])), Reason.UNKNOWN_TYPE);
        assertRefused(() -> d.decode(HELLO), Reason.UNKNOWN_TYPE);
    }

    @Test
    void unknownTypeIsRefusedBeforeItsPayloadArrives() {
        MessageDecoder d = new MessageDecoder();
        assertRefused(() -> d.decode(header(0x1ff, 100)), Reason.UNKNOWN_TYPE);
    }

    @Test
    void truncatedHeaderIsNotAMessage() throws ProtocolException {
        MessageDecoder d = new MessageDecoder();
        assertThat(d.decode(new byte[] {(byte) 0x93, 1, 0, 0, 4})).isEmpty();
        assertThat(d.atBoundary()).isFalse();
        assertRefused(d::endOfInput, Reason.TRUNCATED);
    }

    @Test
    void truncatedPayloadIsNotAMessage() throws ProtocolException {
        MessageDecoder d = new MessageDecoder();
        assertThat(d.decode(cat(header(Wire.DATA_STDIN, 10), new byte[9]))).isEmpty();
        assertRefused(d::endOfInput, Reason.TRUNCATED);
    }

    @Test
    void exitCodeOfWrongSizeIsRefused() {
        assertRefused(() -> new MessageDecoder().decode(cat(header(Wire.DATA_EXIT_CODE, 2), new byte[2])),
                Reason.BAD_PAYLOAD_SIZE);
        assertRefused(() -> new MessageDecoder().decode(header(Wire.DATA_EXIT_CODE, 0)), Reason.BAD_PAYLOAD_SIZE);
    }

    @Test
    void helloCannotHideExtraBytes() {
        assertRefused(() -> new MessageDecoder().decode(cat(header(Wire.HELLO, 8), new byte[8])),
                Reason.BAD_PAYLOAD_SIZE);
    }

    @Test
    void stringLengthCannotReadPastThePayload() {
        byte[] frame = new Frames().u32(1).u16(30).put("@default".getBytes()).frame(Wire.CALL_REQUEST);
        assertRefused(() -> new MessageDecoder().decode(frame), Reason.BAD_PAYLOAD_SIZE);
    }

    @Test
    void trailingBytesCannotRideAlongAControlMessage() {
        byte[] frame = new Frames().u32(1).u64(2).put(new byte[] {'x'}).frame(Wire.CALL_ACCEPTED);
        assertRefused(() -> new MessageDecoder().decode(frame), Reason.BAD_PAYLOAD_SIZE);
        byte[] request = new Frames().u32(1).str("work").str("svc").str("").put(new byte[] {0})
                .frame(Wire.CALL_REQUEST);
        assertRefused(() -> new MessageDecoder().decode(request), Reason.BAD_PAYLOAD_SIZE);
    }

    @Test
    void decoderStaysFailedAfterAnError() {
        MessageDecoder d = new MessageDecoder();
        assertRefused(() -> d.decode(header(0x999, 0)), Reason.UNKNOWN_TYPE);
        assertRefused(d::endOfInput, Reason.UNKNOWN_TYPE);
        assertThat(d.atBoundary()).isFalse();
    }

    // --- names and fields in control messages ------------------------------------------------------------------

    @Test
    void serviceNameWithSlashIsRefused() {
        assertRefused(() -> new MessageDecoder().decode(request("@default", "../../bin/sh", "")),
                Reason.INVALID_FIELD);
    }

    @Test
    void serviceNameWithNulCannotTruncate() {
        assertRefused(() -> new MessageDecoder().decode(request("@default", "qubes.Filecopy\0x", "")),
                Reason.INVALID_FIELD);
    }

    @Test
    void argumentOver255BytesIsRefused() {
        assertRefused(() -> new MessageDecoder().decode(request("work", "svc", "a".repeat(256))),
                Reason.INVALID_FIELD);
    }

    @Test
    void plusInArgumentCannotSmuggleASecondArgument() {
        assertRefused(() -> new MessageDecoder().decode(request("work", "svc", "a+b")), Reason.INVALID_FIELD);
    }

    @Test
    void nonAsciiNameCannotDecodeIntoAnAllowedOne() {
        // 0xc0 0xae is an overlong '.', U+FF0E a fullwidth full stop: neither may become "qubes.Filecopy".
        for (byte[] service : new byte[][] {
            cat("qubes".getBytes(), new byte[] {(byte) 0xc0, (byte) 0xae}, "Filecopy".getBytes()),
            "qubes\uff0eFilecopy".getBytes(java.nio.charset.StandardCharsets.UTF_8)}) {
            byte[] frame = new Frames().u32(1).str("work").str(service).str("").frame(Wire.CALL_REQUEST);
            assertRefused(() -> new MessageDecoder().decode(frame), Reason.INVALID_FIELD);
        }
    }

    @Test
    void domainNameStartingWithDigitIsRefused() {
        byte[] frame = new Frames().u64(1).str("0day").str("svc").str("").frame(Wire.SERVICE_START);
        assertRefused(() -> new MessageDecoder().decode(frame), Reason.INVALID_FIELD);
        assertRefused(() -> new MessageDecoder().decode(request("@dispvm:-rf", "svc", "")), Reason.INVALID_FIELD);
    }

    @Test
    void emptyTargetCannotStandForDefault() {
        assertRefused(() -> new MessageDecoder().decode(request("", "svc", "")), Reason.INVALID_FIELD);
    }

    @Test
    void refusalCannotClaimSuccess() {
        byte[] frame = new Frames().u32(1).u32(0).str("ok").frame(Wire.CALL_REFUSED);
        assertRefused(() -> new MessageDecoder().decode(frame), Reason.INVALID_FIELD);
    }

    @Test
    void serviceCannotClaimAPolicyRefusal() {
        byte[] frame = new Frames().u64(1).u32(126).str("denied").frame(Wire.SERVICE_REFUSED);
        assertRefused(() -> new MessageDecoder().decode(frame), Reason.INVALID_FIELD);
    }

    @Test
    void reasonTextCannotCarryTerminalEscapes() {
        byte[] frame = new Frames().u64(1).u32(127).str("\u001b]0;owned\u0007").frame(Wire.SERVICE_REFUSED);
        assertRefused(() -> new MessageDecoder().decode(frame), Reason.INVALID_FIELD);
    }

    // --- order and direction -----------------------------------------------------------------------------------

    @Test
    void dataBeforeHelloIsRefused() {
        Session s = new Session(Direction.CALLER_TO_SERVICE);
        assertRefused(() -> s.accept(new Data(DataStream.STDIN, new byte[] {1})), Reason.OUT_OF_ORDER);
    }

    @Test
    void olderProtocolVersionIsRefused() {
        Session s = new Session(Direction.SERVICE_TO_CALLER);
        assertRefused(() -> s.accept(new Hello(2)), Reason.UNSUPPORTED_VERSION);
        assertRefused(() -> new Session(Direction.AGENT_TO_BROKER).accept(new Hello(0)), Reason.UNSUPPORTED_VERSION);
    }

    @Test
    void hugeVersionIsNotReadAsNegative() throws ProtocolException {
        Session s = new Session(Direction.SERVICE_TO_CALLER);
        assertThat(s.accept(new Hello(0xffff_ffff))).isEqualTo(Verdict.DELIVER);
        assertThat(s.version()).isEqualTo(Hello.VERSION);
    }

    @Test
    void secondHelloCannotRenegotiate() throws ProtocolException {
        Session s = open(Direction.SERVICE_TO_CALLER);
        assertRefused(() -> s.accept(Hello.current()), Reason.OUT_OF_ORDER);
    }

    @Test
    void dataAfterEofIsRefused() throws ProtocolException {
        Session s = open(Direction.CALLER_TO_SERVICE);
        s.accept(new Data(DataStream.STDIN, new byte[] {1}));
        s.accept(Data.eof(DataStream.STDIN));
        assertThat(s.ended(DataStream.STDIN)).isTrue();
        assertRefused(() -> s.accept(new Data(DataStream.STDIN, new byte[] {2})), Reason.DATA_AFTER_EOF);
    }

    @Test
    void secondEofIsRefused() throws ProtocolException {
        Session s = open(Direction.SERVICE_TO_CALLER);
        s.accept(Data.eof(DataStream.STDOUT));
        assertRefused(() -> s.accept(Data.eof(DataStream.STDOUT)), Reason.DATA_AFTER_EOF);
    }

    @Test
    void eofOfOneStreamLeavesTheOtherOpen() throws ProtocolException {
        Session s = open(Direction.SERVICE_TO_CALLER);
        s.accept(Data.eof(DataStream.STDOUT));
        assertThat(s.accept(new Data(DataStream.STDERR, new byte[] {'!'}))).isEqualTo(Verdict.DELIVER);
    }

    @Test
    void exitCodeFromCallerIsIgnored() throws ProtocolException {
        Session s = open(Direction.CALLER_TO_SERVICE);
        assertThat(s.accept(new ExitCode(0))).isEqualTo(Verdict.IGNORE);
        assertThat(s.exited()).isFalse();
        assertThat(s.accept(new ExitCode(1))).isEqualTo(Verdict.IGNORE);
        assertThat(s.accept(new Data(DataStream.STDIN, new byte[] {1}))).isEqualTo(Verdict.DELIVER);
    }

    @Test
    void stderrFromCallerIsIgnored() throws ProtocolException {
        Session s = open(Direction.CALLER_TO_SERVICE);
        assertThat(s.accept(new Data(DataStream.STDERR, "spoofed".getBytes()))).isEqualTo(Verdict.IGNORE);
        assertThat(s.accept(Data.eof(DataStream.STDERR))).isEqualTo(Verdict.IGNORE);
        assertThat(s.accept(new Data(DataStream.STDERR, "again".getBytes()))).isEqualTo(Verdict.IGNORE);
    }

    @Test
    void secondExitCodeIsRefused() throws ProtocolException {
        Session s = open(Direction.SERVICE_TO_CALLER);
        s.accept(new ExitCode(0));
        assertThat(s.exited()).isTrue();
        assertRefused(() -> s.accept(new ExitCode(1)), Reason.OUT_OF_ORDER);
    }

    @Test
    void dataAfterExitCodeIsRefused() throws ProtocolException {
        Session s = open(Direction.SERVICE_TO_CALLER);
        s.accept(new ExitCode(0));
        assertRefused(() -> s.accept(new Data(DataStream.STDOUT, new byte[] {1})), Reason.OUT_OF_ORDER);
    }

    @Test
    void callerCannotWriteTheServicesStdout() throws ProtocolException {
        Session s = open(Direction.CALLER_TO_SERVICE);
        assertRefused(() -> s.accept(new Data(DataStream.STDOUT, new byte[] {1})), Reason.WRONG_DIRECTION);
    }

    @Test
    void serviceCannotWriteTheCallersStdin() throws ProtocolException {
        Session s = open(Direction.SERVICE_TO_CALLER);
        assertRefused(() -> s.accept(new Data(DataStream.STDIN, new byte[] {1})), Reason.WRONG_DIRECTION);
    }

    @Test
    void agentCannotForgeAServiceStart() throws ProtocolException {
        Session s = open(Direction.AGENT_TO_BROKER);
        assertRefused(() -> s.accept(new ServiceStart(1, "dom0", CALL)), Reason.WRONG_DIRECTION);
    }

    @Test
    void agentCannotAcceptItsOwnCall() throws ProtocolException {
        Session s = open(Direction.AGENT_TO_BROKER);
        assertRefused(() -> s.accept(new CallAccepted(1, 2)), Reason.WRONG_DIRECTION);
    }

    @Test
    void brokerCannotBeAskedForACallByAnotherAgentsChannel() throws ProtocolException {
        Session s = open(Direction.BROKER_TO_AGENT);
        assertRefused(() -> s.accept(new CallRequest(1, "work", CALL)), Reason.WRONG_DIRECTION);
    }

    @Test
    void dataOnAControlChannelIsRefused() throws ProtocolException {
        Session s = open(Direction.AGENT_TO_BROKER);
        assertRefused(() -> s.accept(new Data(DataStream.STDIN, new byte[] {1})), Reason.WRONG_DIRECTION);
    }

    @Test
    void controlChannelCannotTurnIntoADataConnection() throws ProtocolException {
        Session s = open(Direction.AGENT_TO_BROKER);
        s.accept(new CallRequest(1, "@default", CALL));
        assertRefused(() -> s.accept(new Connect(5)), Reason.OUT_OF_ORDER);
    }

    @Test
    void connectedConnectionCannotCarryControlMessages() throws ProtocolException {
        Session s = open(Direction.AGENT_TO_BROKER);
        s.accept(new Connect(5));
        assertRefused(() -> s.accept(new CallRequest(1, "@default", CALL)), Reason.OUT_OF_ORDER);
    }

    @Test
    void sessionStaysFailedAfterAnError() throws ProtocolException {
        Session s = open(Direction.SERVICE_TO_CALLER);
        assertRefused(() -> s.accept(new Data(DataStream.STDIN, new byte[] {1})), Reason.WRONG_DIRECTION);
        assertRefused(() -> s.accept(new Data(DataStream.STDOUT, new byte[] {1})), Reason.WRONG_DIRECTION);
    }

    static Session open(Direction d) throws ProtocolException {
        Session s = new Session(d);
        s.accept(Hello.current());
        return s;
    }

    private static byte[] request(String target, String service, String argument) {
        return new Frames().u32(1).str(target).str(service).str(argument).frame(Wire.CALL_REQUEST);
    }

    private static void assertRefused(ThrowingCallable call, Reason reason) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ProtocolException.class,
                e -> assertThat(e.reason()).isEqualTo(reason));
    }
}
