package dev.airlock.qrexec;

/** Which way messages flow on a connection, which decides the messages that may flow there at all. */
public enum Direction {
    /** Data connection, caller's side: the service's stdin. STDERR and EXIT_CODE from here are ignored. */
    CALLER_TO_SERVICE,
    /** Data connection, service's side: its stdout, stderr and exit code. */
    SERVICE_TO_CALLER,
    /** An agent's control channel to the broker: call requests, service refusals, or a {@code Connect}. */
    AGENT_TO_BROKER,
    /** The broker's control channel to an agent: answers to call requests, and services to start. */
    BROKER_TO_AGENT
}
