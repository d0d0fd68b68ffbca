package dev.airlock.display;

import dev.airlock.domain.Label;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The host's xpra client of one domain: its command line and environment. Every rule about what the domain may put
 * on the desktop is a flag here, since the domain owns its server and can reconfigure it: the {@code [name] }
 * title prefix and the label-coloured border on every window, no clipboard, only raw RGB and PNG pictures (no video
 * decoders or colour-space converters, the complex parsers), no OpenGL, no shared memory, no sound, printing, file
 * transfer, URL or file opening, forwarded notifications, tray or webcam, no scaling.
 */
final class XpraClient {
    /** The border width in pixels: wide enough to see at a glance. */
    static final int BORDER = 5;

    private XpraClient() {
    }

    /** The command line that attaches to {@code socket} for domain {@code name}. */
    static List<String> argv(Path xpra, Path socket, String name, Label label) {
        return List.of(xpra.toString(), "attach", "socket:" + socket,
                "--border=" + label.colour() + "," + BORDER,
                "--title=[" + name + "] @title@",
                "--clipboard=no", "--encodings=rgb,png", "--video-decoders=none", "--csc-modules=none",
                "--opengl=no", "--mmap=no", "--speaker=off", "--microphone=off", "--printing=no",
                "--file-transfer=no", "--open-files=no", "--open-url=no", "--notifications=no", "--webcam=no",
                "--tray=no", "--system-tray=no", "--desktop-scaling=off", "--remote-logging=no", "--bell=no",
                "--sharing=no");
    }

    /**
     * The client's whole environment: the desktop's display and cookie, a private home and runtime folder, and
     * airlock's (empty) xpra configuration instead of the system's and the user's, nothing of the broker's.
     */
    static Map<String, String> environment(Desktop desktop, Path privateFolder, Path config) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("LANG", "C.UTF-8");
        env.put("DISPLAY", desktop.display());
        desktop.xauthority().ifPresent(x -> env.put("XAUTHORITY", x.toString()));
        env.put("HOME", privateFolder.toString());
        env.put("XDG_RUNTIME_DIR", privateFolder.toString());
        env.put("XPRA_SYSTEM_CONF_DIRS", config.toString());
        env.put("XPRA_USER_CONF_DIRS", config.toString());
        return env;
    }
}
