package dev.airlock.cli;

import org.junit.jupiter.api.Test;

import java.util.jar.Attributes;

import static org.assertj.core.api.Assertions.assertThat;

class BuildInfoTest {

    @Test
    void versionLineNamesTheCommitTheBuildWroteOrSaysItIsUnknown() {
        Attributes main = new Attributes();
        main.put(Attributes.Name.IMPLEMENTATION_VERSION, "0.2.0");
        main.putValue(BuildInfo.COMMIT_ATTRIBUTE, "1a2b3c4d5e6f-dirty");
        assertThat(BuildInfo.of(main).line()).isEqualTo("airlock 0.2.0 (commit 1a2b3c4d5e6f-dirty)");
        // Built outside git: the build writes the entry empty.
        main.putValue(BuildInfo.COMMIT_ATTRIBUTE, "");
        assertThat(BuildInfo.of(main).line()).isEqualTo("airlock 0.2.0 (unknown commit)");
        assertThat(BuildInfo.of(new Attributes()).line()).isEqualTo("airlock (development build) (unknown commit)");
    }
}
