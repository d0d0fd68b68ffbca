package dev.airlock.sandbox;

import java.nio.file.Path;

/**
 * What a domain sees at {@code /home/user}: its own folder kept by the host, or (for disposables) a template's
 * home under a throwaway layer.
 */
public sealed interface HomeMount permits HomeMount.Bound, HomeMount.Layered {

    /** The host folder itself, read-write: what the domain writes there stays. */
    record Bound(Path folder) implements HomeMount {
        public Bound {
            SandboxSpec.requireAbsolute("home folder", folder);
        }
    }

    /**
     * The template's home as the lower layer of an overlay whose upper layer is a size-limited tmpfs, so a
     * disposable starts without copying anything and its writes never reach the template. The tmpfs and the
     * overlay are mounted in a mount namespace of the sandbox's own (see {@link Bwrap}), on {@code stage}: nothing
     * of them shows on the host, and both vanish with the sandbox's last process.
     *
     * @param template the template's home, read through the overlay only
     * @param stage    an empty host folder the sandbox's host user owns, on which the tmpfs is mounted inside
     * @param maxBytes the most bytes the disposable may write in its home
     * @param maxFiles the most files and folders the disposable may make in its home
     */
    record Layered(Path template, Path stage, long maxBytes, long maxFiles) implements HomeMount {
        public Layered {
            SandboxSpec.requireAbsolute("template home", template);
            SandboxSpec.requireAbsolute("disposable stage", stage);
            // The overlay's options are one comma-separated string in which ':' separates lower layers.
            for (Path p : new Path[] {template, stage}) {
                if (p.toString().chars().anyMatch(c -> c == ',' || c == ':' || c == '\\' || c < 0x20)) {
                    throw new IllegalArgumentException("a disposable's folders cannot contain ',', ':', '\\' or "
                            + "control characters: " + p);
                }
            }
            if (maxBytes < 1 << 20 || maxFiles < 64) {
                throw new IllegalArgumentException("a disposable's home needs at least 1 MiB and 64 files");
            }
        }
    }
}
