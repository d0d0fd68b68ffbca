package dev.airlock.pendrive.client;

import dev.airlock.pendrive.Device;
import dev.airlock.pendrive.fat.FatWriter;
import dev.airlock.text.TerminalText;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code qvm-copy-to-vm --pendrive DEST FILE...}: asks for a new pendrive, writes the files into its file system
 * over the pendrive channel (what "mount /mnt/outgoing, cp -a, umount" would do, in user space) and
 * sends it to DEST.
 */
public final class PendriveCopy {
    /** Exit code when the host refused the transfer (as {@code qvm-copy-to-vm} when the policy refuses). */
    public static final int EXIT_REFUSED = 126;

    private PendriveCopy() {
    }

    /** Copies {@code paths} to {@code dest}; returns the exit code, having told the user on {@code err}. */
    public static int send(Path socket, String dest, List<String> paths, PrintWriter err) throws IOException {
        Penctl.Result fresh = Penctl.request(socket, "new");
        if (!fresh.served()) {
            err.println("ERROR: no new pendrive: " + TerminalText.escape(fresh.text()));
            return 1;
        }
        try (PenChannel ch = PenChannel.open(socket);
             RemoteBlockDevice device = RemoteBlockDevice.open(ch, Device.XVDG);
             FatWriter writer = FatWriter.open(device)) {
            for (String p : paths) {
                writer.copyTree(Path.of(p).toAbsolutePath().normalize(), writer.root());
            }
        }
        Penctl.Result sent = Penctl.request(socket, "send " + dest);
        if (!sent.served()) {
            err.println("ERROR: " + TerminalText.escape(dest + " pendrive transfer: " + sent.text())
                    + " (the pendrive stays attached here: send it with qubes_penctl send DEST)");
            return EXIT_REFUSED;
        }
        return 0;
    }
}
