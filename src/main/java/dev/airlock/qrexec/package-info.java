/**
 * The qrexec wire: message framing, airlock's call-control messages, the order rules of a connection, and the
 * naming rules of calls. No class here does I/O of its own: they read and write buffers and channels handed to
 * them.
 *
 * <h2>Framing</h2>
 * Every message is {@code u32 type; u32 len}, little-endian, then {@code len} bytes of payload. No message has more
 * than 65536 payload bytes; a header claiming more ends the session before anything is buffered.
 *
 * <table>
 * <caption>Message types and payloads (integers little-endian)</caption>
 * <tr><th>type</th><th>name</th><th>payload</th></tr>
 * <tr><td>0x190</td><td>DATA_STDIN</td><td>0-65536 bytes; 0 = EOF of stdin</td></tr>
 * <tr><td>0x191</td><td>DATA_STDOUT</td><td>0-65536 bytes; 0 = EOF of stdout</td></tr>
 * <tr><td>0x192</td><td>DATA_STDERR</td><td>0-65536 bytes; 0 = EOF of stderr</td></tr>
 * <tr><td>0x193</td><td>DATA_EXIT_CODE</td><td>{@code i32 code}</td></tr>
 * <tr><td>0x300</td><td>HELLO</td><td>{@code u32 version} (3)</td></tr>
 * <tr><td>0x400</td><td>CALL_REQUEST</td><td>{@code u32 requestId; str target; str service; str argument}</td></tr>
 * <tr><td>0x401</td><td>CALL_ACCEPTED</td><td>{@code u32 requestId; u64 token}</td></tr>
 * <tr><td>0x402</td><td>CALL_REFUSED</td><td>{@code u32 requestId; u32 exitCode; str reason}</td></tr>
 * <tr><td>0x410</td><td>SERVICE_START</td><td>{@code u64 token; str source; str service; str argument}</td></tr>
 * <tr><td>0x411</td><td>SERVICE_REFUSED</td><td>{@code u64 token; u32 exitCode; str reason}</td></tr>
 * <tr><td>0x420</td><td>CONNECT</td><td>{@code u64 token}</td></tr>
 * <tr><td>0x421</td><td>CALL_CHANNEL</td><td>(empty; a descriptor attached)</td></tr>
 * <tr><td>0x430</td><td>AGENT_READY</td><td>(empty)</td></tr>
 * </table>
 *
 * <p>{@code str} is {@code u16 len} and {@code len} bytes of UTF-8, which every valid value keeps to ASCII:
 * targets ({@code @default}, {@code @adminvm}, {@code @dispvm}, {@code @dispvm:NAME} or a domain name) at most 39
 * bytes, domain names 31, service names and arguments 255 ({@code [A-Za-z0-9._-]}, argument may be empty), reasons
 * 255 printable ASCII. The fields must fill the payload exactly. Exit codes of refusals: 125 (call machinery), 126
 * (policy, broker only), 127 (no such service).
 *
 * <h2>Connections</h2>
 * Every connection starts with a HELLO from each side. A peer announcing a version older than 3 is refused; a newer
 * one is spoken to in version 3. A domain reaches the broker through one socket of its own, and the broker knows
 * the source of everything that arrives there by that socket alone; the first message after HELLO decides what
 * the connection is:
 * <ul>
 * <li>AGENT_READY: the domain agent's control channel, for as long as the agent lives (a new one replaces the old).
 *     Broker to agent: SERVICE_START (run a service for a caller). Agent to broker: SERVICE_REFUSED (the service
 *     cannot be started).</li>
 * <li>CALL_REQUEST: a one-shot call from a process in the domain, naming no source. The broker answers
 *     CALL_ACCEPTED, with the caller's end of the call's connection attached, or CALL_REFUSED on the same
 *     connection, and nothing more is said on it.</li>
 * <li>CONNECT: the service's side of a call. The agent opens a new connection to the broker and sends HELLO and
 *     CONNECT with the token it got in SERVICE_START; the broker draws the token at random and accepts it only
 *     from the domain it gave it to, answers CALL_CHANNEL with the service's end of the call's connection
 *     attached, and waits for the service's DATA_EXIT_CODE there, which ends the call in its records.</li>
 * </ul>
 *
 * <h2>The call's own connection</h2>
 * The broker makes one socket pair per accepted call, hands one end to each side ({@code SCM_RIGHTS}) and closes
 * its copies: the call's bytes never pass through it. The caller's direction is raw bytes, its EOF a half-close
 * ({@code shutdown(SHUT_WR)}); the service's direction is frames: DATA_STDOUT, DATA_STDERR (an empty frame is that
 * stream's EOF) and one DATA_EXIT_CODE, its last message. Only {@code airlock run} goes through the broker, which
 * relays the host client's admin connection to its end of the pair; the command to run is one DATA_STDIN frame
 * that the broker writes before the caller's raw bytes.
 */
package dev.airlock.qrexec;
