package dev.airlock.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CopyCommandTest {

    @Test
    void lastArgumentIsTheTargetUnlessItIsASource() {
        assertThat(CopyCommand.parse(List.of("work:a.txt", "work:d/b", "personal")))
                .isEqualTo(new CopyCommand.Request("work", List.of("a.txt", "d/b"), "personal"));
        assertThat(CopyCommand.parse(List.of("work:a.txt")))
                .isEqualTo(new CopyCommand.Request("work", List.of("a.txt"), "@default"));
        assertThat(CopyCommand.parse(List.of("work:a:b", "@dispvm:dvm")))
                .isEqualTo(new CopyCommand.Request("work", List.of("a:b"), "@dispvm:dvm"));
    }

    @Test
    void sourcesMustBeFromOneDomainAndTheTargetValid() {
        assertThatThrownBy(() -> CopyCommand.parse(List.of("work:a", "personal:b", "vault")))
                .hasMessageContaining("one domain");
        assertThatThrownBy(() -> CopyCommand.parse(List.of("personal"))).hasMessageContaining("nothing to copy");
        assertThatThrownBy(() -> CopyCommand.parse(List.of("a.txt", "personal"))).hasMessageContaining("DOMAIN:PATH");
        assertThatThrownBy(() -> CopyCommand.parse(List.of("work:a", "bad name"))).hasMessageContaining("target");
    }
}
