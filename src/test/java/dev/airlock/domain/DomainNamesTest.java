package dev.airlock.domain;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The domain-name and tag rules: a table of names that must pass and names that must be refused, with why. */
class DomainNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"work", "W", "personal-2", "sys.usb", "a_b", "Fedora-42", "x.y-z_0",
            "abcdefghijklmnopqrstuvwxyz01234", "dom00", "dom", "nonexistent", "defaults", "dm", "a-dmx", "vault"})
    void validNames(String name) {
        assertThat(DomainNames.nameProblem(name)).isNull();
        assertThat(Domain.of(name, DomainClass.APP_VM, Label.RED).name()).isEqualTo(name);
    }

    @ParameterizedTest(name = "\"{0}\": {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "''                                 | cannot be empty",
            "abcdefghijklmnopqrstuvwxyz012345   | longer than 31",
            "dom0                               | reserved",
            "default                            | reserved",
            "none                               | reserved",
            "Domain-0                           | reserved",
            "0day                               | start with a letter",
            "_hidden                            | start with a letter",
            ".hidden                            | start with a letter",
            "-rf                                | start with a letter",
            "..                                 | start with a letter",
            "@anyvm                             | only A-Z",
            "@dispvm:work                       | only A-Z",
            "a/b                                | only A-Z",
            "a b                                | only A-Z",
            "a+b                                | only A-Z",
            "a*                                 | only A-Z",
            "caf\u00e9                          | only A-Z",
            "a\u0007b                           | only A-Z",
            "sys-net-dm                         | -dm",
    })
    void invalidNames(String name, String why) {
        assertThat(DomainNames.nameProblem(name)).contains(why);
        assertThatThrownBy(() -> Domain.of(name, DomainClass.APP_VM, Label.RED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid domain name \"" + name + "\"").hasMessageContaining(why);
    }

    @ParameterizedTest
    @ValueSource(strings = {"DOM0", "Dom0", "dOm0", "domain-0", "DOMAIN-0", "Default", "NONE", "sys-net-DM",
            "x-Dm"})
    void reservedNameInAnotherCaseCannotPassForTheHost(String name) {
        assertThat(DomainNames.nameProblem(name)).isIn("a reserved name", "cannot end with \"-dm\"");
        assertThatThrownBy(() -> Domain.of(name, DomainClass.APP_VM, Label.RED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid domain name \"" + name + "\"");
        assertThatThrownBy(() -> Domain.of("work", DomainClass.APP_VM, Label.RED).withTemplate(name))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "created-by-work", "Tag_1", "0-starts-with-digit",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void validTags(String tag) {
        assertThat(DomainNames.isTag(tag)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a.b", "a b", "@tag", "a:b", "t\u00e9",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void invalidTags(String tag) {
        assertThat(DomainNames.isTag(tag)).isFalse();
    }
}
