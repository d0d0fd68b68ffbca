package dev.airlock.contract;

/**
 * Where things appear inside a domain's sandbox: the sandbox builds this layout, and the agent and the in-domain
 * commands find their socket, home and services by it.
 */
public final class InDomain {
    /** The uid and gid of every domain inside its sandbox. */
    public static final int INSIDE_ID = 1000;
    /** Where the domain's home appears. */
    public static final String HOME = "/home/user";
    /** Where the folder of the domain's socket to the broker appears. */
    public static final String CHANNEL = "/run/airlock/channel";
    /** The domain's socket to the broker, in {@link #CHANNEL}. */
    public static final String AGENT_SOCKET = CHANNEL + "/agent.sock";
    /**
     * Where the domain's own service folder appears. Not {@code /usr/local/etc/qubes-rpc} as in Qubes: the system
     * folders are read-only binds of the host's, in which bubblewrap cannot make a mount point.
     */
    public static final String SERVICES = "/run/airlock/qubes-rpc";
    /** The agent's door: the folder of named pipes through which the in-domain commands reach it. */
    public static final String DOOR = "/run/airlock/door";
    /** Where the in-domain commands appear; the last folder on {@code PATH}. */
    public static final String TOOLS = "/run/airlock/bin";
    /** Where the installation folder appears. */
    public static final String INSTALL = "/opt/airlock";

    private InDomain() {
    }
}
