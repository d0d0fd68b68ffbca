package dev.airlock.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.sys.Posix;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A size-limited tmpfs mounted over a folder, so that a test can run the disk full: writes past its size end in
 * ENOSPC as on a full disk. The folder keeps its owner and mode. Needs root and the right to mount; the test is
 * skipped otherwise.
 * Closing unmounts it (lazily: a sandbox's own mount namespace may still hold it); closing again does nothing.
 */
public final class SmallDisk implements AutoCloseable {
    private final Path at;
    private boolean mounted = true;

    private SmallDisk(Path at) {
        this.at = at;
    }

    /** Mounts a tmpfs of {@code bytes} over the existing folder {@code at}, with its owner and mode. */
    public static SmallDisk over(Path at, long bytes) throws IOException, InterruptedException {
        assumeTrue(Posix.geteuid() == 0, "mounting a small file system needs root");
        int uid = (int) Files.getAttribute(at, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int gid = (int) Files.getAttribute(at, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        int mode = (int) Files.getAttribute(at, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        try {
            run("mount", "-t", "tmpfs", "-o", "size=" + bytes + ",uid=" + uid + ",gid=" + gid + ",mode="
                    + Integer.toOctalString(mode), "airlock-test", at.toString());
        } catch (IOException e) {
            // Root in a container without CAP_SYS_ADMIN: no file system of our own to fill.
            assumeTrue(false, "cannot mount a small file system here: " + e.getMessage());
        }
        return new SmallDisk(at);
    }

    /** Fills what is left of the file system with {@code name}, until ENOSPC; returns that file. */
    public Path fill(String name) throws IOException {
        Path filler = at.resolve(name);
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) {
                throw full;
            }
        }
        return filler;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (mounted) {
            run("umount", "-l", at.toString());
            mounted = false;
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out.strip());
        }
    }
}
