package dev.airlock.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

class DomainToolsTest {

    @Test
    void eachCommandIsAnExecutableScriptRunningTheInstalledJar(@TempDir Path tmp) throws Exception {
        Path bin = DomainTools.write(tmp.resolve("bin"));
        DomainTools.write(bin);
        try (var files = Files.list(bin)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(
                    DomainTools.COMMANDS);
        }
        Path copy = bin.resolve("qvm-copy");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copy))).isEqualTo("rwxr-xr-x");
        assertThat(Files.readString(copy)).startsWith("#!/bin/sh\nexec \"$JAVA_HOME/bin/java\" ")
                .endsWith(" -jar /opt/airlock/airlock.jar qvm-copy \"$@\"\n");
    }
}
