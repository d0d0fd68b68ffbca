package dev.airlock.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestTest {

    @Test
    void serviceAndArgumentAreSplitAtTheFirstPlus() {
        assertThat(Request.of("work", "", "qubes.Filecopy")).isEqualTo(new Request("work", "", "qubes.Filecopy", ""));
        assertThat(Request.of("work", "", "svc+arg")).isEqualTo(new Request("work", "", "svc", "arg"));
        assertThat(Request.of("work", "", "svc+")).isEqualTo(new Request("work", "", "svc", ""));
        assertThatThrownBy(() -> Request.of("work", "", "svc+a+b")).hasMessageContaining("invalid service argument");
    }

    @Test
    void requestedTargetNamesNoTargetAndTheHostCanonically() {
        assertThat(Request.of("work", "", "s").requestedTarget()).isEqualTo("@default");
        assertThat(Request.of("work", "@adminvm", "s").requestedTarget()).isEqualTo("dom0");
        assertThat(Request.of("work", "@dispvm:dvm", "s").requestedTarget()).isEqualTo("@dispvm:dvm");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../etc", "a/b", "-rf", "@anyvm", "*", "@tag:x", "@dispvm:", "@dispvm:@tag:x", "x\ny",
            "work\u0000", "w\u00f6rk", "abcdefghijklmnopqrstuvwxyz123456"})
    void pathOptionOrPatternLikeTargetsAreRejectedNotRewritten(String target) {
        assertThatThrownBy(() -> Request.of("work", target, "svc")).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "../x", "svc\u0000", "s v c", "*"})
    void pathOrControlCharacterServiceNamesAreRejected(String service) {
        assertThatThrownBy(() -> new Request("work", "", service, "")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void overlongServiceOrArgumentIsRejected() {
        assertThat(new Request("work", "", "s".repeat(255), "a".repeat(255)).service()).hasSize(255);
        assertThatThrownBy(() -> new Request("work", "", "s".repeat(256), "")).isInstanceOf(
                IllegalArgumentException.class);
        assertThatThrownBy(() -> new Request("work", "", "s", "a".repeat(256))).isInstanceOf(
                IllegalArgumentException.class);
    }
}
