package dev.airlock.notify;

import dev.airlock.display.Desktop;
import dev.airlock.display.SessionBus;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Sends one notification with {@code notify-send}, as the desktop user, on the desktop's session bus, with nothing
 * of the broker's environment. A bus whose daemon hangs, or a bus activation that waits for a daemon that never
 * comes, costs at most {@link #TIMEOUT_MILLIS}: then the helper is killed.
 */
final class NotifySend implements Notifier.Sender {
    static final Path NOTIFY_SEND = Path.of("/usr/bin/notify-send");
    /** How long one notification may take to be delivered. */
    static final long TIMEOUT_MILLIS = 5000;

    private final int ownUid;

    NotifySend(int ownUid) {
        this.ownUid = ownUid;
    }

    /** The helper's command line: {@code --} before the summary, which may start with a dash. */
    List<String> argv(Desktop desktop, String summary, String body) {
        List<String> argv = List.of(NOTIFY_SEND.toString(), "--app-name=airlock", "--", summary, body);
        // setpriv --clear-groups needs root; a broker that runs as the desktop user is that user already.
        return ownUid == desktop.uid() ? argv : desktop.asDesktopUser(argv);
    }

    static Map<String, String> environment(SessionBus bus) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("LANG", "C.UTF-8");
        env.put("HOME", "/");
        env.put("DBUS_SESSION_BUS_ADDRESS", bus.address());
        return env;
    }

    @Override
    public void send(Desktop desktop, SessionBus bus, String summary, String body)
            throws IOException, InterruptedException {
        if (!Files.isExecutable(NOTIFY_SEND)) {
            throw new IOException(NOTIFY_SEND + " is not installed (package libnotify-bin)");
        }
        ProcessBuilder pb = new ProcessBuilder(argv(desktop, summary, body))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .directory(new File("/"));
        pb.environment().clear();
        pb.environment().putAll(environment(bus));
        Process p = pb.start();
        try {
            if (!p.waitFor(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new IOException("notify-send did not finish within " + TIMEOUT_MILLIS + " ms");
            }
        } finally {
            // Killed when it is late or the notifier stops: no helper outlives its notice.
            p.destroyForcibly();
        }
        if (p.exitValue() != 0) {
            throw new IOException("notify-send exited with " + p.exitValue() + " (no notification daemon?)");
        }
    }
}
