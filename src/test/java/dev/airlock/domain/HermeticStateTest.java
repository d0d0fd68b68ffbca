package dev.airlock.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.policy.PolicyLocation;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tests never touch the real state: the build gives every test JVM an {@code AIRLOCK_HOME} and an
 * {@code AIRLOCK_CONFIG} of its own under {@code target/test-state}. Without them a test that uses the defaults would
 * read the domains and the policy of whoever ran {@code ./airlock demo} on this machine, or write into them.
 */
class HermeticStateTest {

    @Test
    void testsCannotReachTheRealStateFolderOrPolicy() {
        Map<String, String> env = System.getenv();
        Path state = Path.of("target", "test-state").toAbsolutePath();
        Path home = Registry.defaultHome(env);
        Path policy = PolicyLocation.directory(env);

        assertThat(home).startsWithRaw(state);
        assertThat(policy).startsWithRaw(state);

        Map<String, String> unset = new HashMap<>(env);
        unset.remove("AIRLOCK_HOME");
        unset.remove("AIRLOCK_CONFIG");
        assertThat(home).isNotEqualTo(Registry.defaultHome(unset)).isNotEqualTo(Registry.ROOT_HOME);
        assertThat(policy).isNotEqualTo(PolicyLocation.directory(unset));
    }
}
