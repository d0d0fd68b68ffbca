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
        assertThatThrownBy(() -> CopyCommand.parse(List.of("a.txt", "work:b", "personal")))
                .hasMessageContaining("DOMAIN:PATH");
        assertThatThrownBy(() -> CopyCommand.parse(List.of("work:a", "bad name"))).hasMessageContaining("target");
    }

    @Test
    void filesOfThisComputerAreAnyArgumentThatIsNotDomainPathAndNeedANamedDomain() {
        assertThat(CopyCommand.parse(List.of("a.txt", "/tmp/d", "./a:b", "personal")))
                .isEqualTo(new CopyCommand.Request("dom0", List.of("a.txt", "/tmp/d", "./a:b"), "personal"));
        assertThatThrownBy(() -> CopyCommand.parse(List.of("a.txt", "@default")))
                .hasMessageContaining("name the domain");
        assertThatThrownBy(() -> CopyCommand.parse(List.of("a.txt", "dom0"))).hasMessageContaining("already");
        assertThatThrownBy(() -> CopyCommand.parse(List.of("a.txt", "@dispvm"))).hasMessageContaining("by its name");
        assertThat(CopyCommand.parse(List.of("work:a.txt", "dom0")))
                .as("a domain's files into the host").isEqualTo(new CopyCommand.Request("work", List.of("a.txt"),
                        "dom0"));
    }
}
