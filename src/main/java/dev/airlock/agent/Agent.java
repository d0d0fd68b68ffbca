package dev.airlock.agent;

import dev.airlock.contract.BuiltInService;
import dev.airlock.contract.InDomain;
import dev.airlock.log.Log;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.Message.AgentReady;
import dev.airlock.qrexec.Message.ServiceRefused;
import dev.airlock.qrexec.Message.ServiceStart;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.Wire;

import dev.airlock.sys.BlockingThreads;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The agent inside a domain: keeps a control channel to the broker and starts a service for each SERVICE_START,
 * each on a connection of its own through which the broker hands over the call. When the broker goes away the agent connects again, waiting a little longer
 * each time, so a restarted broker finds its domains still running.
 */
public final class Agent {
    private static final System.Logger LOG = Log.of("airlock agent");
    /** Where services live inside a domain: the system's, then the domain's own, kept by the host. */
    public static final List<Path> RPC_FOLDERS = List.of(Path.of("/etc/qubes-rpc"),
            Path.of("/usr/local/etc/qubes-rpc"), Path.of(InDomain.SERVICES));
    private static final long FIRST_RETRY_MILLIS = 50;
    private static final long LAST_RETRY_MILLIS = 2000;

    private final Path socket;
    private final ServiceRunner runner;

    public Agent(Path socket, ServiceRunner runner) {
        this.socket = socket;
        this.runner = runner;
    }

    /** The agent of this domain: its socket, its home and its service folders. */
    public static Agent inDomain() {
        return new Agent(Connections.AGENT_SOCKET, new ServiceRunner(Path.of(InDomain.HOME), RPC_FOLDERS));
    }

    /** Serves the broker until the process ends. */
    public void run() throws InterruptedException {
        long retry = FIRST_RETRY_MILLIS;
        while (true) {
            try (Connections.Link link = Connections.open(socket, new AgentReady(),
                    UnixSocket.Descriptors.REFUSE)) {
                retry = FIRST_RETRY_MILLIS;
                for (Optional<Message> m = link.in().read(); m.isPresent(); m = link.in().read()) {
                    if (m.get() instanceof ServiceStart start) {
                        BlockingThreads.start(() -> start(start, link.channel()));
                    }
                }
            } catch (IOException e) {
                // The broker is gone or not there yet: try again below.
            }
            Thread.sleep(retry);
            retry = Math.min(retry * 2, LAST_RETRY_MILLIS);
        }
    }

    private void start(ServiceStart start, UnixSocket control) {
        ServiceRunner.Call call = new ServiceRunner.Call(start.source(), start.call().service(),
                start.call().argument());
        try {
            if (BuiltInService.isHostOnly(start.call().service()) || runner.has(call)) {
                ServiceSide.serve(socket, start, runner);
            } else {
                MessageEncoder.write(new ServiceRefused(start.token(), Wire.EXIT_NO_SERVICE,
                        "no such service: " + call.fullName()), control);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, call.fullName() + ": " + e.getMessage());
        }
    }
}
