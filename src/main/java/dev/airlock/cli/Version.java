package dev.airlock.cli;

import picocli.CommandLine;

/** The version line of {@code airlock --version}: the jar's, or a development build's. */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Version.class.getPackage().getImplementationVersion();
        return new String[] {"airlock " + (v == null ? "(development build)" : v)};
    }
}
