package dev.airlock.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.contract.BuiltInService;
import dev.airlock.log.Log;
import dev.airlock.qrexec.DataStream;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.Message.CallChannel;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.MessageReader;
import dev.airlock.qrexec.QrexecNames;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.qrexec.Wire;
import dev.airlock.sys.Splice;
import dev.airlock.sys.UnixSocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The host's own calls into domains, through {@link BuiltInService#RUN}, which no domain may call: {@code airlock
 * run}, and the warm-up of a pooled disposable. The command goes first, as the one stdin frame that only the broker
 * can write.
 */
final class HostRun {
    private static final System.Logger LOG = Log.of("airlock");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ServiceCall RUN = new ServiceCall(BuiltInService.RUN.serviceName(), "");

    private final CallRouter router;
    private final CallDecider.Targets domains;
    private final AuditLog audit;

    HostRun(CallRouter router, CallDecider.Targets domains, AuditLog audit) {
        this.router = router;
        this.domains = domains;
        this.audit = audit;
    }

    /**
     * {@code airlock run}: the command runs in the domain (started if need be). The admin connection becomes the
     * caller's side of the call, relayed to the broker's end of the call's socket pair (the admin connection cannot
     * take a passed descriptor).
     */
    void runCommand(JsonNode request, SocketChannel ch) throws IOException {
        byte[] argv;
        String name;
        List<String> command = new ArrayList<>();
        try {
            name = Broker.domainOf(request);
            request.path("argv").forEach(a -> command.add(a.asText()));
            if (command.isEmpty()) {
                throw new IllegalArgumentException("no command to run");
            }
            argv = JSON.writeValueAsBytes(command);
        } catch (IOException | RuntimeException e) {
            AdminServer.answer(ch, AdminServer.error(e.getMessage()));
            return;
        }
        relay(ch, name, RUN, argv, "airlock run " + String.join(" ", command));
    }

    /**
     * {@code airlock copy FILE... DOMAIN}: the host's own {@code qubes.Filecopy} into DOMAIN (dom0's
     * {@code qvm-copy-to-vm}), which receives into {@code ~/QubesIncoming/dom0}. As for {@code open-in-dvm}, the
     * request names no file: the command reads the files with its own rights and streams them on the admin
     * connection; only {@code domain} and the service argument {@code allow-all-names} may be asked for.
     */
    void copyToDomain(JsonNode request, SocketChannel ch) throws IOException {
        String name;
        ServiceCall call;
        try {
            request.fieldNames().forEachRemaining(f -> {
                if (!f.equals("op") && !f.equals("domain") && !f.equals("allow-all-names")) {
                    throw new IllegalArgumentException("unknown field \"" + f + "\" in " + Broker.COPY_TO_DOMAIN
                            + " (the broker opens no host file: the command streams it)");
                }
            });
            name = Broker.domainOf(request);
            if (name.equals(QrexecNames.HOST)) {
                throw new IllegalArgumentException("the files are on the host already");
            }
            call = new ServiceCall(BuiltInService.FILECOPY.serviceName(),
                    request.path("allow-all-names").asBoolean(false) ? "allow-all-names" : "");
        } catch (RuntimeException e) {
            AdminServer.answer(ch, AdminServer.error(e.getMessage()));
            return;
        }
        relay(ch, name, call, null, "the host's own copy (airlock copy FILE... " + name + "): calls from the host "
                + "are not put to the policy, as dom0's are not in Qubes");
    }

    /**
     * Starts {@code call} in {@code name} (started if need be) as the host's, audited with {@code why}, and relays
     * the admin connection to the caller's end of the call; {@code firstFrame}, when not null, goes first as the one
     * stdin frame that only the broker writes.
     */
    private void relay(SocketChannel ch, String name, ServiceCall call, byte[] firstFrame, String why)
            throws IOException {
        CallRouter.Started service;
        try {
            domains.start(name);
            audit.append(new AuditLog.Entry(Instant.now(), QrexecNames.HOST, name, call.service(), call.argument(),
                    null, "allow", why));
            service = router.startService(QrexecNames.HOST, name, call);
        } catch (IOException | RuntimeException | CallRefusal e) {
            AdminServer.answer(ch, AdminServer.error(e.getMessage()));
            return;
        }
        try (UnixSocket connection = service.connection()) {
            UnixSocket ours;
            try {
                ours = firstFrame == null ? callerEnd(service) : runEnd(service, firstFrame);
            } catch (IOException e) {
                AdminServer.answer(ch, AdminServer.error("cannot hand the call to " + name + ": " + e.getMessage()));
                return;
            }
            AdminServer.answer(ch, AdminServer.ok());
            Splice.join(ch, ours, () -> callerGone(audit, name, call));
            router.awaitEnd(QrexecNames.HOST, name, call, service.service());
        } finally {
            router.released();
        }
    }

    /** The host's caller of {@code call} in {@code name} went away while it still ran: recorded, as for domains. */
    static void callerGone(AuditLog audit, String name, ServiceCall call) {
        try {
            audit.append(new AuditLog.Entry(Instant.now(), QrexecNames.HOST, name, call.service(), call.argument(),
                    null, "caller-gone", "the host's caller went away before the command ended"));
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot write the audit log: " + e.getMessage());
        }
    }

    /**
     * Runs {@code true} in a pooled disposable: the agent's path that starts services then runs compiled and loaded
     * when the first call comes.
     */
    void warmUp(String name) throws IOException {
        CallRouter.Started service;
        try {
            service = router.startService(QrexecNames.HOST, name, RUN);
        } catch (CallRefusal e) {
            throw new IOException("cannot warm up " + name + ": " + e.getMessage());
        }
        try (UnixSocket connection = service.connection();
             UnixSocket ours = runEnd(service, "[\"true\"]".getBytes(StandardCharsets.US_ASCII))) {
            ours.shutdownOutput();
            MessageReader in = new MessageReader(ours);
            for (Optional<Message> m = in.read(); m.isPresent(); m = in.read()) {
                if (m.get() instanceof Message.ExitCode) {
                    return;
                }
            }
        } finally {
            router.released();
        }
    }

    /**
     * What a command that the broker ran for itself gave back. {@code stdout} holds at most one byte more than the
     * limit asked for, so that more than the limit is told apart from exactly the limit; {@code stderr} at most
     * {@value #MAX_STDERR} bytes. Both are the domain's, untrusted.
     *
     * @param exitCode the command's exit code, or -1 when it did not end within the time given
     */
    record Captured(int exitCode, byte[] stdout, byte[] stderr) {
        boolean finished() {
            return exitCode >= 0;
        }
    }

    /** The most of a captured command's stderr kept: enough for one message. */
    static final int MAX_STDERR = 1024;

    /**
     * Runs {@code argv} in the running domain {@code name} for the broker itself, gives it {@code stdin} then its
     * end of input, and keeps at most {@code limit} + 1 bytes of its output: once more has come, or once
     * {@code timeout} has passed, the call is cut (the agent ends the command's process group, as for any caller
     * that goes away). The output never reaches the log or the audit: the run's end is recorded as any run's
     * ({@code ended}, with its exit code), and what it was for the caller records in its own words.
     */
    Captured capture(String name, List<String> argv, byte[] stdin, int limit, Duration timeout) throws IOException {
        CallRouter.Started service;
        try {
            service = router.startService(QrexecNames.HOST, name, RUN);
        } catch (CallRefusal e) {
            throw new IOException("cannot reach " + name + ": " + e.getMessage());
        }
        try (UnixSocket connection = service.connection();
             ConnectionDeadline serviceDeadline = ConnectionDeadline.start(connection, timeout.plusSeconds(2));
             UnixSocket ours = runEnd(service, JSON.writeValueAsBytes(argv));
             ConnectionDeadline deadline = ConnectionDeadline.start(ours, timeout)) {
            ByteBuffer in = ByteBuffer.wrap(stdin);
            while (in.hasRemaining()) {
                ours.write(in);
            }
            ours.shutdownOutput();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = read(new MessageReader(ours), out, err, limit);
            if (code >= 0) {
                router.awaitEnd(QrexecNames.HOST, name, RUN, service.service());
            }
            return new Captured(code, out.toByteArray(), err.toByteArray());
        } finally {
            router.released();
        }
    }

    /**
     * Reads a run's frames until its exit code, keeping at most {@code limit} + 1 bytes of stdout and
     * {@value #MAX_STDERR} of stderr; -1 when the output went past the limit or the connection ended (its deadline
     * closed it) without an exit code.
     */
    private static int read(MessageReader in, ByteArrayOutputStream out, ByteArrayOutputStream err, int limit) {
        try {
            for (Optional<Message> m = in.read(); m.isPresent(); m = in.read()) {
                switch (m.get()) {
                    case Message.ExitCode(int code) -> {
                        // A negative code (no process ends so) must not pass for "did not end".
                        return code < 0 ? Wire.EXIT_MACHINERY : code;
                    }
                    case Message.Data d when d.stream() == DataStream.STDOUT -> {
                        out.write(d.bytes(), 0, Math.min(d.length(), limit + 1 - out.size()));
                        if (out.size() > limit) {
                            return -1;
                        }
                    }
                    case Message.Data d when d.stream() == DataStream.STDERR ->
                            err.write(d.bytes(), 0, Math.min(d.length(), MAX_STDERR - err.size()));
                    default -> {
                        // Nothing else belongs on a run's connection; its end or exit code decides.
                    }
                }
            }
        } catch (IOException e) {
            // Closed by the deadline, or the domain broke the framing: the command did not end as it should.
        }
        return -1;
    }

    /**
     * Gives a started run its end of a new socket pair and writes the command to run first, as the one stdin frame
     * that only the broker can write; returns the broker's end, from which the rest of the call runs.
     */
    private static UnixSocket runEnd(CallRouter.Started service, byte[] argv) throws IOException {
        UnixSocket ours = callerEnd(service);
        try {
            MessageEncoder.write(new Message.Data(DataStream.STDIN, argv), ours);
            return ours;
        } catch (IOException e) {
            ours.close();
            throw e;
        }
    }

    /**
     * Gives a started service its end of a new socket pair and returns the other, the caller's end, for a call the
     * host makes itself.
     */
    static UnixSocket callerEnd(CallRouter.Started service) throws IOException {
        UnixSocket[] pair = HandOver.pair();
        UnixSocket ours = pair[0];
        try (UnixSocket theirs = pair[1]) {
            service.connection().sendWithDescriptor(HandOver.encode(new CallChannel()), theirs);
            return ours;
        } catch (IOException e) {
            ours.close();
            throw e;
        }
    }
}
