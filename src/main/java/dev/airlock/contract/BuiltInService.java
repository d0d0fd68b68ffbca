package dev.airlock.contract;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The services airlock's agent serves itself, whatever a domain's service folders hold, and who may call them. The
 * broker refuses a domain's call to a {@linkplain #hostOnly() host-only} one before the policy is asked; the agent
 * serves it only as the broker's own call, and never from an executable of that name.
 */
public enum BuiltInService {
    /** The host runs a command in a domain ({@code airlock run}, a pooled disposable's warm-up). */
    RUN("airlock.Run", true),
    /** A file copy into the domain: its unpacker. */
    FILECOPY("qubes.Filecopy", false),
    /** A file opened in the domain: its file editor. */
    OPEN_IN_VM("qubes.OpenInVM", false),
    /**
     * The host pastes its clipboard into the domain ({@code airlock clipboard paste}): the name the policy decides
     * it under, as in Qubes, with the clipboard's domain as the source. The broker carries it out through
     * {@link #RUN}. Host-only because the default rule allows it between any two domains: a domain's own call of
     * it would be a channel to whatever another domain serves under that name.
     */
    CLIPBOARD_PASTE("qubes.ClipboardPaste", true);

    private static final Set<String> HOST_ONLY = Arrays.stream(values()).filter(BuiltInService::hostOnly)
            .map(BuiltInService::serviceName).collect(Collectors.toUnmodifiableSet());

    private final String serviceName;
    private final boolean hostOnly;

    BuiltInService(String serviceName, boolean hostOnly) {
        this.serviceName = serviceName;
        this.hostOnly = hostOnly;
    }

    /** The service's name on the wire and in the policy. */
    public String serviceName() {
        return serviceName;
    }

    /** Whether only the host may call it: no domain, whatever the policy says. */
    public boolean hostOnly() {
        return hostOnly;
    }

    /** The built-in service of that name, if it is one. */
    public static Optional<BuiltInService> of(String serviceName) {
        return Arrays.stream(values()).filter(s -> s.serviceName.equals(serviceName)).findFirst();
    }

    /** Whether {@code serviceName} names a service only the host may call. */
    public static boolean isHostOnly(String serviceName) {
        return HOST_ONLY.contains(serviceName);
    }

    /** The names of the services only the host may call. */
    public static Set<String> hostOnlyNames() {
        return HOST_ONLY;
    }
}
