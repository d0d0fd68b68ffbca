package dev.airlock.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code gui} property in the registry: unset, true or false; read fail-closed like the others. */
class GuiPropertyTest {
    private static final String HEAD = "<domains version=\"1\">\n  <domain name=\"work\" class=\"AppVM\">\n"
            + "    <uuid>0b6c2f6e-3f1a-4c57-9d55-5a1e8f0e2c11</uuid>\n    <label>red</label>\n";
    private static final String TAIL = "  </domain>\n</domains>\n";

    @Test
    void registryWrittenBeforeGuiExistedReadsAsUnset() throws IOException {
        assertThat(parse(HEAD + TAIL).require("work").gui()).isNull();
    }

    @Test
    void guiIsWrittenOnlyWhenSetAndReadBack() throws IOException {
        Domain work = Domain.of("work", DomainClass.APP_VM, Label.RED);
        for (Boolean value : new Boolean[] {null, true, false}) {
            byte[] xml = RegistryXml.write(Domains.of(List.of(work.withGui(value))));
            assertThat(new String(xml, StandardCharsets.UTF_8).contains("<gui>")).isEqualTo(value != null);
            assertThat(RegistryXml.parse(xml).require("work").gui()).isEqualTo(value);
        }
        assertThat(work.withGui(false).withLabel(Label.BLUE).gui()).as("kept by other changes").isFalse();
    }

    @Test
    void malformedGuiValueRejectsTheRegistry() {
        assertThatThrownBy(() -> parse(HEAD + "    <gui>maybe</gui>\n" + TAIL)).isInstanceOf(IOException.class)
                .hasMessageContaining("gui");
        assertThatThrownBy(() -> parse(HEAD + "    <gui>true</gui>\n    <gui>false</gui>\n" + TAIL))
                .isInstanceOf(IOException.class).hasMessageContaining("twice");
    }

    private static Domains parse(String xml) throws IOException {
        return RegistryXml.parse(xml.getBytes(StandardCharsets.UTF_8));
    }
}
