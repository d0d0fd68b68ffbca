package dev.airlock.cli;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The command line that runs this airlock again, for the scripts and menu entries it writes: the launcher script
 * when it started this process ({@code $AIRLOCK_LAUNCHER}), else this JDK on this jar.
 */
final class Launcher {
    /** Set by the {@code airlock} launcher script to its own absolute path. */
    static final String ENV = "AIRLOCK_LAUNCHER";

    private Launcher() {
    }

    static List<String> argv(Map<String, String> env) {
        String launcher = env.get(ENV);
        if (launcher != null && launcher.startsWith("/")) {
            return List.of(launcher);
        }
        Path jar;
        try {
            jar = Path.of(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot tell where airlock's jar is", e);
        }
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString());
    }
}
