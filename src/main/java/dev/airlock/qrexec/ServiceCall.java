package dev.airlock.qrexec;

/**
 * A service and its argument, as in {@code qubes.Filecopy+allow-all-names}. Both parts are checked when the
 * record is made; the argument is empty when the call has none.
 */
public record ServiceCall(String service, String argument) {

    public ServiceCall {
        QrexecNames.requireService(service);
        QrexecNames.requireArgument(argument);
    }

    /** {@code SERVICE} alone or {@code SERVICE+ARGUMENT}: the name of an executable service's file. */
    public String fullName() {
        return argument.isEmpty() ? service : service + "+" + argument;
    }
}
