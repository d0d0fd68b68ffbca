package dev.airlock.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The version and the commit this airlock was built from, as the build wrote them into the jar's manifest: what
 * {@code airlock --version} prints and what a bug report needs.
 *
 * @param version the project's version, or null when not run from the jar (classes of a build)
 * @param commit  {@code git describe} of the build's tree (a {@code -dirty} suffix when it had changes), or null
 *                when it was built outside git
 */
record BuildInfo(String version, String commit) {
    /** The manifest entry the build writes the commit into. */
    static final String COMMIT_ATTRIBUTE = "Airlock-Commit";

    /** The build of the jar this class was loaded from. */
    static BuildInfo current() {
        Path jar;
        try {
            jar = Path.of(BuildInfo.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            return new BuildInfo(null, null);
        }
        if (!Files.isRegularFile(jar)) {
            return new BuildInfo(null, null);
        }
        try (JarFile file = new JarFile(jar.toFile(), false)) {
            Manifest m = file.getManifest();
            return m == null ? new BuildInfo(null, null) : of(m.getMainAttributes());
        } catch (IOException e) {
            return new BuildInfo(null, null);
        }
    }

    static BuildInfo of(Attributes main) {
        return new BuildInfo(blankToNull(main.getValue(Attributes.Name.IMPLEMENTATION_VERSION)),
                blankToNull(main.getValue(COMMIT_ATTRIBUTE)));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** One line: {@code airlock 0.1.0 (commit 1a2b3c4d5e6f)}. */
    String line() {
        return "airlock " + (version == null ? "(development build)" : version)
                + (commit == null ? " (unknown commit)" : " (commit " + commit + ")");
    }
}
