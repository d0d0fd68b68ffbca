package dev.airlock.broker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.contract.BuiltInService;
import dev.airlock.domain.Domains;
import dev.airlock.domain.Registry;
import dev.airlock.qrexec.QrexecNames;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.sys.Splice;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * {@code airlock open-in-dvm ./FILE}: the host's own {@link BuiltInService#OPEN_IN_VM} call to a new disposable,
 * destroyed when the call ends. The request carries no path and no file: the command reads the file with its own
 * rights and streams the call's data (name field, content) on the admin connection, which is relayed as for
 * {@code airlock run}; anything but {@code op} and {@code dispvm} in the request is refused, so that nothing ever
 * makes the broker open a path for the caller.
 */
final class HostOpen {
    private static final ServiceCall OPEN = new ServiceCall(BuiltInService.OPEN_IN_VM.serviceName(), "");

    private final CallRouter router;
    private final CallDecider decider;
    private final DisposablePool disposables;
    private final Registry registry;
    private final AuditLog audit;

    HostOpen(CallRouter router, CallDecider decider, DisposablePool disposables, Registry registry, AuditLog audit) {
        this.router = router;
        this.decider = decider;
        this.disposables = disposables;
        this.registry = registry;
        this.audit = audit;
    }

    /** Serves one {@value Broker#OPEN_IN_DISPOSABLE} request on the admin connection {@code ch}. */
    void open(JsonNode request, SocketChannel ch) throws IOException {
        String template;
        String name;
        try {
            request.fieldNames().forEachRemaining(f -> {
                if (!f.equals("op") && !f.equals("dispvm")) {
                    throw new IllegalArgumentException("unknown field \"" + f + "\" in " + Broker.OPEN_IN_DISPOSABLE
                            + " (the broker opens no host file: the command streams it)");
                }
            });
            template = request.hasNonNull("dispvm") ? request.get("dispvm").asText()
                    : registry.read(Domains::defaultDispvm);
            if (template == null) {
                throw new IllegalArgumentException(Broker.NO_DEFAULT_DISPVM);
            }
            name = decider.hostDisposable(template, OPEN);
        } catch (IOException | RuntimeException | CallRefusal e) {
            AdminServer.answer(ch, AdminServer.error(e.getMessage()));
            return;
        }
        try {
            relay(ch, template, name);
        } finally {
            disposables.destroy(name);
        }
    }

    private void relay(SocketChannel ch, String template, String name) throws IOException {
        CallRouter.Started service;
        try {
            service = router.startService(QrexecNames.HOST, name, OPEN);
        } catch (CallRefusal e) {
            AdminServer.answer(ch, AdminServer.error("cannot start " + OPEN.service() + " in " + name + ": "
                    + e.getMessage()));
            return;
        } finally {
            disposables.refill(template);
        }
        try (UnixSocket connection = service.connection()) {
            UnixSocket ours;
            try {
                ours = HostRun.callerEnd(service);
            } catch (IOException e) {
                AdminServer.answer(ch, AdminServer.error("cannot hand the call to " + name + ": " + e.getMessage()));
                return;
            }
            AdminServer.answer(ch, AdminServer.ok().put("disposable", name));
            Splice.join(ch, ours, () -> HostRun.callerGone(audit, name, OPEN));
            router.awaitEnd(QrexecNames.HOST, name, OPEN, service.service());
        } finally {
            router.released();
        }
    }
}
