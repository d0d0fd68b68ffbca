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
     * The template's home read-only under an overlay whose upper layer lives in the sandbox's memory and goes with
     * it, so a disposable starts without copying anything. Needs bubblewrap 0.9 or newer ({@code --tmp-overlay});
     * with an older one bubblewrap refuses the option and the start fails with its message.
     */
    record Layered(Path template) implements HomeMount {
        public Layered {
            SandboxSpec.requireAbsolute("template home", template);
        }
    }
}
