package dev.airlock.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SystemInfoFileTest {

    @TempDir
    Path dir;

    static Path fixture() {
        try {
            return Path.of(Objects.requireNonNull(
                    SystemInfoFileTest.class.getResource("/policy/system-info.json")).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private DomainView read(String json) throws IOException {
        Path f = dir.resolve("d.json");
        Files.writeString(f, json);
        return SystemInfoFile.read(f);
    }

    @Test
    void readsQubesSystemInfoAndIgnoresOtherKeys() throws IOException {
        DomainView v = SystemInfoFile.read(fixture());
        assertThat(v.all()).hasSize(8);
        DomainFacts work = v.find("work").orElseThrow();
        assertThat(work).isEqualTo(new DomainFacts("work", "AppVM", Set.of("work"), true, "default-dvm", false,
                null, false));
        assertThat(v.find("dom0").orElseThrow().tags()).containsExactly("dom0-tag");
        assertThat(v.find("default-dvm").orElseThrow().dispvmTemplate()).isTrue();
        assertThat(v.find("disp123").orElseThrow().template()).isEqualTo("default-dvm");
        assertThat(v.find("personal").orElseThrow().running()).isFalse();
        assertThat(v.find("sys-net").orElseThrow().internal()).isTrue();
        assertThat(v.find("vault").orElseThrow().defaultDispvm()).isNull();
    }

    @Test
    void hostIsAddedWhenTheFileDoesNotListIt() throws IOException {
        DomainView v = read("{\"domains\": {\"work\": {\"type\": \"AppVM\"}}}");
        assertThat(v.find("dom0")).contains(DomainFacts.host());
    }

    @Test
    void secondAdminVmCannotPoseAsTheHost() {
        assertThatThrownBy(() -> read("{\"domains\": {\"evil\": {\"type\": \"AdminVM\"}}}"))
                .isInstanceOf(IOException.class).hasMessageContaining("only the host, is named dom0");
        assertThatThrownBy(() -> read("{\"domains\": {\"dom0\": {\"type\": \"AppVM\"}}}"))
                .isInstanceOf(IOException.class).hasMessageContaining("only the host");
    }

    @Test
    void malformedEntriesAreErrorsNotGuesses() {
        assertThatThrownBy(() -> read("[]")).hasMessageContaining("expected a JSON object");
        assertThatThrownBy(() -> read("{}")).hasMessageContaining("expected an object \"domains\"");
        assertThatThrownBy(() -> read("{\"domains\": {\"work\": {}}}")).hasMessageContaining("\"type\" is missing");
        assertThatThrownBy(() -> read("{\"domains\": {\"work\": {\"type\": \"AppVM\", \"tags\": \"x\"}}}"))
                .hasMessageContaining("\"tags\" must be an array");
        assertThatThrownBy(() -> read("{\"domains\": {\"work\": {\"type\": \"AppVM\", \"internal\": \"yes\"}}}"))
                .hasMessageContaining("\"internal\" must be true or false");
        assertThatThrownBy(() -> read("{\"domains\": {\"1bad\": {\"type\": \"AppVM\"}}}"))
                .hasMessageContaining("invalid domain name \"1bad\"");
        assertThatThrownBy(() -> read("{\"domains\": {\"w\": {\"type\": \"AppVM\", \"tags\": [\"a b\"]}}}"))
                .hasMessageContaining("invalid tag");
        assertThatThrownBy(() -> read("{\"domains\": ")).hasMessageContaining("not valid JSON");
    }

    @Test
    void deeplyNestedJsonIsRejected() {
        String deep = "{\"domains\": {\"w\": {\"type\": \"AppVM\", \"x\": " + "[".repeat(100) + "]".repeat(100)
                + "}}}";
        assertThatThrownBy(() -> read(deep)).hasMessageContaining("not valid JSON");
    }
}
