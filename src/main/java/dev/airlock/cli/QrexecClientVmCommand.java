package dev.airlock.cli;

import dev.airlock.agent.Caller;
import dev.airlock.agent.Connections;
import dev.airlock.qrexec.QrexecNames;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.qrexec.Wire;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.concurrent.Callable;

/**
 * {@code qrexec-client-vm TARGET SERVICE[+ARG]}: calls a service in another domain from inside a domain, with this
 * process's stdin and stdout joined to the service's.
 */
@Command(name = "qrexec-client-vm",
        description = "Call SERVICE[+ARG] in TARGET from inside a domain; stdin and stdout are the service's. Exit "
                + "code: the service's, 126 refused, 127 no such service, 125 failure of the call.",
        mixinStandardHelpOptions = true)
final class QrexecClientVmCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TARGET", description = "A domain name, @default or @dispvm.")
    String target;

    @Parameters(index = "1", paramLabel = "SERVICE[+ARG]", description = "The service and its argument.")
    String service;

    @Override
    public Integer call() throws IOException {
        var err = spec.commandLine().getErr();
        if (!Connections.insideDomain()) {
            throw new IOException("not inside an airlock domain (no " + Connections.CHANNEL + ")");
        }
        ServiceCall call;
        try {
            QrexecNames.requireTarget(target);
            call = QrexecNames.parseServiceCall(service);
            QrexecNames.requireService(call.service());
            QrexecNames.requireArgument(call.argument());
        } catch (IllegalArgumentException e) {
            err.println("ERROR: " + Messages.safe(e.getMessage()));
            return Wire.EXIT_REFUSED;
        }
        Caller.Outcome o = Caller.call(Connections.AGENT_SOCKET, target, call, Invocation.current().in(),
                Invocation.current().out(), Invocation.current().err());
        o.refusal().ifPresent(reason -> err.println("ERROR: " + Messages.safe(target + " " + service + ": " + reason)));
        return o.exitCode();
    }
}
