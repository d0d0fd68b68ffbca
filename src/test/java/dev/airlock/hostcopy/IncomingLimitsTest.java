package dev.airlock.hostcopy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The host's limits on copies from domains, and the settings that change them. */
class IncomingLimitsTest {
    @Test
    void defaultsAreQubesHostLimits() {
        IncomingLimits l = IncomingLimits.fromEnvironment(Map.of());
        assertThat(l).isEqualTo(IncomingLimits.DEFAULTS);
        assertThat(l.maxBytes()).isEqualTo(4L << 30);
        assertThat(l.maxFiles()).isEqualTo(4096);
        assertThat(l.freePercent()).isEqualTo(90);
        assertThat(l.symlinks()).isFalse();
    }

    @Test
    void everyLimitIsAHostSetting() {
        IncomingLimits l = IncomingLimits.fromEnvironment(Map.of(IncomingLimits.MAX_MIB, "10",
                IncomingLimits.MAX_FILES, "0", IncomingLimits.FREE_PERCENT, "50", IncomingLimits.SYMLINKS, "yes"));
        assertThat(l).isEqualTo(new IncomingLimits(10L << 20, 0, 50, true));
    }

    @Test
    void aSettingThatDoesNotParseStopsTheBrokerRatherThanLiftTheLimit() {
        assertThatThrownBy(() -> IncomingLimits.fromEnvironment(Map.of(IncomingLimits.MAX_FILES, "-1")))
                .hasMessageContaining(IncomingLimits.MAX_FILES);
        assertThatThrownBy(() -> IncomingLimits.fromEnvironment(Map.of(IncomingLimits.MAX_MIB, "lots")))
                .hasMessageContaining(IncomingLimits.MAX_MIB);
        assertThatThrownBy(() -> IncomingLimits.fromEnvironment(Map.of(IncomingLimits.MAX_MIB,
                Long.toString(Long.MAX_VALUE)))).hasMessageContaining("too large");
        assertThatThrownBy(() -> IncomingLimits.fromEnvironment(Map.of(IncomingLimits.FREE_PERCENT, "101")))
                .hasMessageContaining(IncomingLimits.FREE_PERCENT);
        assertThatThrownBy(() -> IncomingLimits.fromEnvironment(Map.of(IncomingLimits.SYMLINKS, "maybe")))
                .hasMessageContaining(IncomingLimits.SYMLINKS);
    }

    @Test
    void theByteLimitIsTheSmallerOfTheFixedLimitAndTheShareOfFreeSpace() {
        IncomingLimits l = IncomingLimits.DEFAULTS;
        assertThat(l.byteLimit(1000)).isEqualTo(900);
        assertThat(l.byteLimit(1L << 40)).isEqualTo(4L << 30);
        assertThat(l.byteLimit(Long.MAX_VALUE)).as("no overflow").isEqualTo(4L << 30);
        assertThat(new IncomingLimits(0, 0, 90, false).byteLimit(Long.MAX_VALUE)).isPositive();
        assertThat(l.byteLimit(1)).as("a full disk takes nothing").isEqualTo(-1);
        assertThat(new IncomingLimits(0, 0, 0, false).byteLimit(0)).as("no rule at all: unlimited").isZero();
    }
}
