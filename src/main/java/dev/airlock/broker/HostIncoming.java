package dev.airlock.broker;

import dev.airlock.display.Desktop;
import dev.airlock.hostcopy.HostReceiver;
import dev.airlock.hostcopy.IncomingLimits;
import dev.airlock.hostcopy.Recipient;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.qrexec.Wire;
import dev.airlock.sys.UnixSocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The host as the target of a domain's {@code qubes.Filecopy} ({@code qvm-copy-to-dom0}, {@code airlock copy
 * work:FILE dom0}): whom the files are for is settled when the call comes (the desktop {@code airlock up} recorded
 * may have changed), then {@link HostReceiver} receives on the call's own connection.
 */
final class HostIncoming implements CallRouter.HostTarget {
    private final AirlockHome home;
    private final Map<String, String> env;
    private final HostReceiver receiver;

    HostIncoming(AirlockHome home, Map<String, String> env, HostReceiver.FreeSpace freeSpace) {
        this.home = home;
        this.env = Map.copyOf(env);
        this.receiver = new HostReceiver(IncomingLimits.fromEnvironment(env), freeSpace);
    }

    @Override
    public Recipient recipient() throws CallRefusal {
        try {
            Path self = Path.of("/proc/self");
            int uid = (Integer) Files.getAttribute(self, "unix:uid");
            int gid = (Integer) Files.getAttribute(self, "unix:gid");
            Path passwd = Path.of("/etc/passwd");
            List<String> users = Files.isReadable(passwd) ? Files.readAllLines(passwd) : List.of();
            return Recipient.resolve(env, uid, gid, Desktop.load(home.run()), users);
        } catch (IOException e) {
            throw new CallRefusal(Wire.EXIT_MACHINERY, "the host cannot tell whom to receive files for: "
                    + e.getMessage());
        } catch (IllegalStateException e) {
            throw new CallRefusal(Wire.EXIT_REFUSED, e.getMessage());
        }
    }

    @Override
    public int serve(Recipient to, String source, ServiceCall call, UnixSocket data) throws IOException {
        return receiver.serve(to, source, call, data);
    }
}
