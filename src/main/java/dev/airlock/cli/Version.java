package dev.airlock.cli;

import picocli.CommandLine;

/** The version line of {@code airlock --version}: the jar's version and commit ({@link BuildInfo}). */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {BuildInfo.current().line()};
    }
}
