package dev.airlock.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.qrexec.QrexecNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The contract is the only place the two sides of the trust boundary learn the built-in services' names: a side that
 * spelled one itself could drift from it in a rename, and a host-only service could then be served under a name
 * that the broker lets domains call.
 */
class BuiltInServiceTest {
    /** The two sides: the broker, which refuses host-only services, and the agent, which serves them. */
    private static final List<Path> SIDES = List.of(Path.of("src/main/java/dev/airlock/broker"),
            Path.of("src/main/java/dev/airlock/agent"));

    @Test
    void hostsRunServiceIsHostOnlyUnderItsWireName() {
        assertThat(BuiltInService.RUN.hostOnly()).isTrue();
        assertThat(BuiltInService.hostOnlyNames()).containsExactlyInAnyOrder("airlock.Run", "qubes.ClipboardPaste");
        assertThat(BuiltInService.isHostOnly("airlock.Run")).isTrue();
        assertThat(BuiltInService.isHostOnly("qubes.Filecopy")).isFalse();
    }

    @Test
    void builtInNamesAreValidServiceNamesAndDistinct() {
        assertThat(Stream.of(BuiltInService.values()).map(BuiltInService::serviceName).distinct())
                .hasSize(BuiltInService.values().length);
        for (BuiltInService s : BuiltInService.values()) {
            assertThat(QrexecNames.parseServiceCall(s.serviceName()).service()).isEqualTo(s.serviceName());
            assertThat(BuiltInService.of(s.serviceName())).contains(s);
        }
    }

    @Test
    void renamingOneSideCannotExposeAHostOnlyService() throws IOException {
        for (Path side : SIDES) {
            assertThat(side).isDirectory();
            try (Stream<Path> files = Files.walk(side)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String source = Files.readString(f);
                    for (BuiltInService s : BuiltInService.values()) {
                        assertThat(source).as(f + " spells " + s.serviceName() + " itself")
                                .doesNotContain("\"" + s.serviceName() + "\"");
                    }
                }
            }
        }
    }
}
