package dev.airlock.policy;

/**
 * A call to be decided: SOURCE asks TARGET for SERVICE+ARGUMENT. Every part is checked when the request is
 * made and rejected, never rewritten, if it is not well formed.
 *
 * @param source the calling domain's name ({@code dom0} for the host)
 * @param target what the caller asked for: a domain name, {@code @default} (or empty: no target named),
 *               {@code @adminvm}, {@code @dispvm} or {@code @dispvm:TEMPLATE}
 * @param service the service name
 * @param argument the argument, empty when the call has none
 */
public record Request(String source, String target, String service, String argument) {

    public Request {
        if (!Names.isDomainName(source)) {
            throw new IllegalArgumentException("invalid source domain name \"" + source + "\"");
        }
        if (!isRequestTarget(target)) {
            throw new IllegalArgumentException("invalid target \"" + target + "\" (expected a domain name, "
                    + "@default, @adminvm, @dispvm or @dispvm:TEMPLATE)");
        }
        if (!Names.isServiceName(service)) {
            throw new IllegalArgumentException("invalid service name \"" + service + "\" (1 to "
                    + Names.MAX_SERVICE_BYTES + " of A-Z a-z 0-9 . _ -)");
        }
        if (!Names.isArgument(argument)) {
            throw new IllegalArgumentException("invalid service argument \"" + argument + "\" (at most "
                    + Names.MAX_ARGUMENT_BYTES + " of A-Z a-z 0-9 . _ -)");
        }
    }

    /** Makes a request from {@code SERVICE} or {@code SERVICE+ARGUMENT}, as callers write it. */
    public static Request of(String source, String target, String serviceAndArgument) {
        int plus = serviceAndArgument.indexOf('+');
        return plus < 0
                ? new Request(source, target, serviceAndArgument, "")
                : new Request(source, target, serviceAndArgument.substring(0, plus),
                        serviceAndArgument.substring(plus + 1));
    }

    /** The target as the policy sees it: {@code @default} for no target, {@code dom0} for the host. */
    public String requestedTarget() {
        return switch (target) {
            case "" -> "@default";
            case "@adminvm" -> Names.HOST;
            default -> target;
        };
    }

    private static boolean isRequestTarget(String t) {
        return switch (t) {
            case "", "@default", "@adminvm", "@dispvm" -> true;
            default -> t.startsWith("@dispvm:")
                    ? Names.isDomainName(t.substring("@dispvm:".length()))
                    : Names.isDomainName(t);
        };
    }
}
