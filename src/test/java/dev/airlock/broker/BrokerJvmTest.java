package dev.airlock.broker;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class BrokerJvmTest {

    /** The launchers start `airlock daemon` themselves (systemd units, a broker started by hand). */
    @ParameterizedTest
    @ValueSource(strings = {"airlock", "scripts/deb/airlock"})
    void aBrokerStartedByALauncherGetsTheSameMemoryLimitsAsOneStartedByUp(String launcher) throws Exception {
        String script = Files.readString(Path.of(launcher));
        String daemonCase = script.substring(script.indexOf("daemon)"));
        daemonCase = daemonCase.substring(0, daemonCase.indexOf(";;"));
        for (String option : BrokerJvm.OPTIONS) {
            if (option.startsWith("-Xm") || option.startsWith("-XX:+UseCompact") || option.startsWith("-XX:Trim")
                    || option.startsWith("-XX:MaxDirect")) {
                assertThat(daemonCase).as(launcher).contains(option);
            }
        }
    }
}
