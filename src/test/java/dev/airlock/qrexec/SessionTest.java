package dev.airlock.qrexec;

import static dev.airlock.qrexec.HostileFrameTest.open;
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
import dev.airlock.qrexec.Session.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The orders a well-behaved peer uses pass. */
class SessionTest {
    private static final ServiceCall CALL = new ServiceCall("qubes.Filecopy", "");

    @Test
    void aWholeCallPassesBothDirections() throws ProtocolException {
        Session in = new Session(Direction.CALLER_TO_SERVICE);
        for (Message m : List.of(Hello.current(), new Data(DataStream.STDIN, new byte[] {1}),
                Data.eof(DataStream.STDIN))) {
            assertThat(in.accept(m)).isEqualTo(Verdict.DELIVER);
        }
        Session out = new Session(Direction.SERVICE_TO_CALLER);
        for (Message m : List.of(Hello.current(), new Data(DataStream.STDOUT, new byte[] {1}),
                new Data(DataStream.STDERR, new byte[] {2}), Data.eof(DataStream.STDOUT),
                Data.eof(DataStream.STDERR), new ExitCode(0))) {
            assertThat(out.accept(m)).isEqualTo(Verdict.DELIVER);
        }
        assertThat(out.exited()).isTrue();
        assertThat(out.version()).isEqualTo(Hello.VERSION);
    }

    @Test
    void serviceMayExitWithoutClosingItsStreams() throws ProtocolException {
        Session s = open(Direction.SERVICE_TO_CALLER);
        assertThat(s.accept(new ExitCode(1))).isEqualTo(Verdict.DELIVER);
    }

    @Test
    void controlChannelCarriesManyServiceStarts() throws ProtocolException {
        Session toBroker = open(Direction.AGENT_TO_BROKER);
        toBroker.accept(new AgentReady());
        toBroker.accept(new ServiceRefused(9, 127, "no such service"));
        toBroker.accept(new ServiceRefused(10, 125, "cannot start"));
        Session toAgent = open(Direction.BROKER_TO_AGENT);
        toAgent.accept(new CallAccepted(1, 77));
        toAgent.accept(new CallRefused(2, 126, "refused by policy"));
        toAgent.accept(new ServiceStart(88, "work", CALL));
    }

    @Test
    void theFirstMessageAfterHelloDecidesTheRoleOnce() throws ProtocolException {
        Session call = open(Direction.AGENT_TO_BROKER);
        call.accept(new CallRequest(1, "@default", CALL));
        assertThatThrownBy(() -> call.accept(new CallRequest(2, "@default", CALL)))
                .isInstanceOf(ProtocolException.class);
        Session agent = open(Direction.AGENT_TO_BROKER);
        agent.accept(new AgentReady());
        assertThatThrownBy(() -> agent.accept(new Connect(5))).isInstanceOf(ProtocolException.class);
        Session fresh = open(Direction.AGENT_TO_BROKER);
        assertThatThrownBy(() -> fresh.accept(new ServiceRefused(9, 127, "no such service")))
                .isInstanceOf(ProtocolException.class);
    }

    @Test
    void connectThenJoinGivesADataSessionPastHello() throws ProtocolException {
        Session s = open(Direction.AGENT_TO_BROKER);
        assertThat(s.accept(new Connect(77))).isEqualTo(Verdict.DELIVER);
        Session data = s.joinedAs(Direction.CALLER_TO_SERVICE);
        assertThat(data.direction()).isEqualTo(Direction.CALLER_TO_SERVICE);
        assertThat(data.version()).isEqualTo(Hello.VERSION);
        assertThat(data.accept(new Data(DataStream.STDIN, new byte[] {1}))).isEqualTo(Verdict.DELIVER);
    }

    @Test
    void joinNeedsAConnectAndADataSide() throws ProtocolException {
        Session s = open(Direction.AGENT_TO_BROKER);
        assertThatThrownBy(() -> s.joinedAs(Direction.CALLER_TO_SERVICE)).isInstanceOf(IllegalStateException.class);
        s.accept(new Connect(1));
        assertThatThrownBy(() -> s.joinedAs(Direction.BROKER_TO_AGENT)).isInstanceOf(IllegalArgumentException.class);
    }
}
