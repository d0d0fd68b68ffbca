package dev.airlock.sys;

/**
 * The process at the other end of a Unix socket, as the kernel recorded it ({@code struct ucred}).
 *
 * @param pid its process id in this process's PID namespace (0 when it is not visible from here)
 * @param uid its user id in this process's user namespace
 * @param gid its group id likewise
 */
public record PeerCredentials(int pid, int uid, int gid) {
}
