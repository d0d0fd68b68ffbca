package dev.airlock.display;

import dev.airlock.text.TerminalText;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The desktop user's D-Bus session bus, where notifications go: only a local socket ({@code unix:path=/...} or
 * {@code unix:abstract=...}, optionally with its {@code guid}). The address comes from the environment of
 * {@code airlock up} and is used by the broker, which may be root: a TCP address would send what the desktop is told
 * over the network, a list of addresses ({@code ;}) could hide one, and {@code unixexec:} would run a program.
 *
 * @param address the address, as {@code DBUS_SESSION_BUS_ADDRESS} gives it
 */
public record SessionBus(String address) {
    /** Longer than any socket path the kernel takes (108 bytes) with its guid, and short enough to log. */
    static final int MAX_LENGTH = 256;
    /** D-Bus escapes other bytes as {@code %xx}; nothing here is a separator, a quote or a space. */
    private static final Pattern LOCAL = Pattern.compile(
            "unix:(path=/|abstract=)[A-Za-z0-9_/.%-]{1,200}(,guid=[0-9a-f]{32})?");

    public SessionBus {
        if (address.length() > MAX_LENGTH || !LOCAL.matcher(address).matches()) {
            throw new IllegalArgumentException("not a local session bus address (unix:path=/... or "
                    + "unix:abstract=...): " + shown(address));
        }
    }

    /** The bus at {@code address}, or empty when it is unset or not a local address. */
    public static Optional<SessionBus> of(String address) {
        if (address == null || address.length() > MAX_LENGTH || !LOCAL.matcher(address).matches()) {
            return Optional.empty();
        }
        return Optional.of(new SessionBus(address));
    }

    private static String shown(String address) {
        String cut = address.length() > 64 ? address.substring(0, 64) + "..." : address;
        return "\"" + TerminalText.escape(cut) + "\"";
    }
}
