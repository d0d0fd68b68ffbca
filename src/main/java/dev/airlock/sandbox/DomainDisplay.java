package dev.airlock.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A domain's own display: an xpra server in seamless mode with its own Xvfb, inside the sandbox, whose socket
 * appears in a host folder ({@link #folder}, seen read-write at {@value #IN_DOMAIN}) for the broker to connect to.
 * The domain's agent, and so every service and {@code airlock run} command, gets {@code DISPLAY=:number} once the
 * X server's socket exists, not after the whole xpra start: the broker attaches the host client when xpra answers.
 *
 * <p>Never anything of the host's display: no X socket (the abstract one is in the host's network namespace, which
 * the domain does not share), no cookie, no session bus. xpra reads only airlock's (empty) configuration, so that
 * the system's {@code /etc/X11/Xsession} and its start commands never run; everything it would add that reaches
 * outside (sound, D-Bus, mDNS, systemd, printing, file transfer, clipboard, notifications, webcam) is off.
 *
 * @param folder the host folder of the xpra socket; written by the domain, so the host trusts nothing in it
 * @param number the X display number inside the domain
 * @param width  the width of the Xvfb screen, in pixels
 * @param height its height
 */
public record DomainDisplay(Path folder, int number, int width, int height) {
    /** Where {@link #folder} appears in the domain. */
    public static final String IN_DOMAIN = "/run/airlock/display";
    /** The name of the xpra socket in {@link #folder}. */
    public static final String SOCKET = "xpra";
    /** The display number domains use: not 0, so that nothing mistakes it for a host's first display. */
    public static final int NUMBER = 100;
    private static final String RUNTIME = "/run/user/" + Bwrap.INSIDE_ID;

    /**
     * Starts xpra in the background, waits (at most 10 s) for its X server's socket, then runs the rest of the
     * command line with {@code DISPLAY} set, or without it if the server did not come up. Arguments: display
     * number, width, height, then the command. The broker gives it an empty display folder at each start, so no
     * stale socket of a killed server is left there.
     */
    static final String SCRIPT = "n=$1; w=$2; h=$3; shift 3; r=" + RUNTIME + "; "
            + "mkdir -p -m 0700 \"$r/xpra\" \"$r/xpra-conf\" \"$r/cache\" && : > \"$r/Xauthority\" || exit 1; "
            + "XDG_RUNTIME_DIR=\"$r\" XAUTHORITY=\"$r/Xauthority\" XDG_CACHE_HOME=\"$r/cache\" "
            + "XPRA_SYSTEM_CONF_DIRS=\"$r/xpra-conf\" XPRA_USER_CONF_DIRS=\"$r/xpra-conf\" "
            + "xpra start \":$n\" --daemon=no --bind=" + IN_DOMAIN + "/" + SOCKET + " --socket-dirs=\"$r/xpra\" "
            + String.join(" ", serverOptions()) + " --log-dir=\"$r\" "
            + "--xvfb=\"Xvfb +extension Composite -screen 0 ${w}x${h}x24+32 -dpi 96 -nolisten tcp -noreset "
            + "-auth $r/Xauthority\" </dev/null >\"$r/xpra-start.log\" 2>&1 & "
            + "i=0; while [ ! -S \"/tmp/.X11-unix/X$n\" ] && [ $i -lt 400 ]; do sleep 0.025; i=$((i+1)); done; "
            + "if [ -S \"/tmp/.X11-unix/X$n\" ]; then export DISPLAY=\":$n\" XAUTHORITY=\"$r/Xauthority\"; fi; "
            + "exec \"$@\"";

    public DomainDisplay {
        SandboxSpec.requireAbsolute("display folder", folder);
        if (number < 1 || number > 65535 || width < 64 || height < 64 || width > 8192 || height > 8192) {
            throw new IllegalArgumentException("display :" + number + " " + width + "x" + height + " is out of range");
        }
    }

    /** The default: display {@value #NUMBER}, 3840x2160, smaller than xpra's 5760x2560 and its memory. */
    public static DomainDisplay in(Path folder) {
        return new DomainDisplay(folder, NUMBER, 3840, 2160);
    }

    /** xpra's server options apart from display, socket and Xvfb: seamless, nothing reaching outside the domain. */
    static List<String> serverOptions() {
        return List.of("--mdns=no", "--dbus-launch=", "--dbus-proxy=no", "--dbus-control=no", "--systemd-run=no",
                "--pulseaudio=no", "--notifications=no", "--clipboard=no", "--printing=no", "--file-transfer=no",
                "--open-files=no", "--open-url=no", "--speaker=off", "--microphone=off", "--webcam=no",
                "--html=off", "--start=", "--exit-with-children=no", "--tray=no", "--system-tray=no",
                "--input-method=none", "--sharing=no", "--mmap=no", "--start-new-commands=no", "--remote-logging=no");
    }

    /** The command line that runs {@code command} on this display, in the sandbox. */
    List<String> wrap(List<String> command) {
        List<String> a = new ArrayList<>(List.of("/bin/sh", "-c", SCRIPT, "airlock-display",
                Integer.toString(number), Integer.toString(width), Integer.toString(height)));
        a.addAll(command);
        return a;
    }
}
