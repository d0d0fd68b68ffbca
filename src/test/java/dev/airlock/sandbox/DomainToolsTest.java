package dev.airlock.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

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
        assertThat(Files.readString(copy)).startsWith("#!/bin/sh\n").contains("\nexec \"$JAVA_HOME/bin/java\" ")
                .contains("[ -r " + AotCache.IN_DOMAIN + " ] && aot=-XX:AOTCache=" + AotCache.IN_DOMAIN + "\n")
                .endsWith(" -jar /opt/airlock/airlock.jar qvm-copy \"$@\"\n");
    }

    @Test
    void aToolTheAgentServesSkipsTheFullCacheWhileTheDoorIsOpen() {
        assertThat(DomainTools.script("qvm-copy-to-vm")).contains("[ -e /run/airlock/door/server ] && aot=\n");
        assertThat(DomainTools.script("qubesdb-watch")).doesNotContain("door");
    }

    @Test
    void jvmWarningsCannotLeakIntoTheDataOnStdout(@TempDir Path tmp) throws Exception {
        // qrexec-client-vm's stdout is the service's input: a JVM warning there would be taken for data. A cache
        // that cannot be read (a missing class-data archive) makes the JVM complain, to stdout by default; with the scripts' flags, to stderr.
        assertThat(DomainTools.script("qrexec-client-vm")).contains(String.join(" ", DomainTools.JVM_OPTIONS));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(DomainTools.JVM_OPTIONS);
        cmd.add("-XX:SharedArchiveFile=" + tmp.resolve("missing.jsa"));
        cmd.add("-version");
        Process p = new ProcessBuilder(cmd).redirectError(tmp.resolve("err").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).isZero();
        assertThat(out).isEmpty();
        assertThat(Files.readString(tmp.resolve("err"))).isNotEmpty();
    }
}
