package dev.airlock.openinvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NameFieldTest {

    private static byte[] field(String content) {
        return Arrays.copyOf(content.getBytes(StandardCharsets.ISO_8859_1), NameField.SIZE);
    }

    @Test
    void plainNameRoundTrips() throws Exception {
        byte[] f = NameField.encode("report.odt".getBytes(StandardCharsets.UTF_8), false);
        assertThat(f).hasSize(256);
        assertThat(new String(f, 0, 10, StandardCharsets.US_ASCII)).isEqualTo("report.odt");
        assertThat(Arrays.copyOfRange(f, 10, 256)).containsOnly(0);
        assertThat(NameField.decode(f)).isEqualTo(new NameField("report.odt", false));
    }

    @Test
    void viewOnlyPrefixIsSentAndRecognised() throws Exception {
        byte[] f = NameField.encode("a.pdf".getBytes(StandardCharsets.UTF_8), true);
        assertThat(new String(f, 0, 15, StandardCharsets.US_ASCII)).isEqualTo("view-only-a.pdf");
        assertThat(NameField.decode(f)).isEqualTo(new NameField("a.pdf", true));
    }

    @Test
    void longNameKeepsItsTailSoTheExtensionSurvives() throws Exception {
        String name = "x".repeat(400) + ".pdf";
        byte[] f = NameField.encode(name.getBytes(StandardCharsets.UTF_8), false);
        assertThat(f[255]).isZero();
        NameField d = NameField.decode(f);
        assertThat(d.name()).hasSize(255).endsWith(".pdf");
        NameField v = NameField.decode(NameField.encode(name.getBytes(StandardCharsets.UTF_8), true));
        assertThat(v.viewOnly()).isTrue();
        assertThat(v.name()).hasSize(255 - 10).endsWith(".pdf");
    }

    @Test
    void unsafeCharactersBecomeUnderscores() throws Exception {
        byte[] f = NameField.encode("my file;rm -rf $HOME`x`é.txt".getBytes(StandardCharsets.UTF_8), false);
        assertThat(NameField.decode(f).name()).isEqualTo("my_file_rm_-rf__HOME_x___.txt");
    }

    @Test
    void slashInNameCannotEscapeThePrivateFolder() {
        assertThatThrownBy(() -> NameField.decode(field("../../.bashrc")))
                .isInstanceOf(NameField.InvalidNameException.class).hasMessageContaining("'/'");
        assertThatThrownBy(() -> NameField.decode(field("view-only-/etc/passwd")))
                .isInstanceOf(NameField.InvalidNameException.class);
    }

    @Test
    void dotNamesCannotNameTheFolderItself() {
        assertThatThrownBy(() -> NameField.decode(field(".."))).isInstanceOf(NameField.InvalidNameException.class);
        assertThatThrownBy(() -> NameField.decode(field("."))).isInstanceOf(NameField.InvalidNameException.class);
        assertThatThrownBy(() -> NameField.decode(field("view-only-..")))
                .isInstanceOf(NameField.InvalidNameException.class);
    }

    @Test
    void fileNamedLikeTheViewOnlyPrefixIsNotMistakenForAViewOnlyRequest() throws Exception {
        NameField n = NameField.decode(NameField.encode("view-only-draft.txt".getBytes(StandardCharsets.UTF_8),
                false));
        assertThat(n).isEqualTo(new NameField("view_only-draft.txt", false));
        assertThat(NameField.decode(NameField.encode("view-only-draft.txt".getBytes(StandardCharsets.UTF_8),
                true))).isEqualTo(new NameField("view-only-draft.txt", true));
    }

    @Test
    void unterminatedFieldIsRefused() {
        byte[] f = new byte[256];
        Arrays.fill(f, (byte) 'a');
        assertThatThrownBy(() -> NameField.decode(f)).hasMessageContaining("NUL-terminated");
    }

    @Test
    void bytesAfterTheTerminatorAreRefused() {
        byte[] f = field("a.txt");
        f[200] = 'x';
        assertThatThrownBy(() -> NameField.decode(f)).hasMessageContaining("after its end");
    }

    @Test
    void emptyNameIsRefusedAndTheBarePrefixIsAName() throws Exception {
        assertThatThrownBy(() -> NameField.decode(new byte[256])).hasMessageContaining("no name");
        assertThat(NameField.decode(field("view-only-"))).isEqualTo(new NameField("view-only-", false));
    }

    @Test
    void wrongFieldSizeIsRefused() {
        assertThatThrownBy(() -> NameField.decode(new byte[255])).hasMessageContaining("255 bytes");
    }

    @Test
    void clientRefusesToEncodeWhatIsNotABaseName() {
        assertThatThrownBy(() -> NameField.encode("a/b".getBytes(StandardCharsets.UTF_8), false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NameField.encode(new byte[0], false)).isInstanceOf(IllegalArgumentException.class);
    }
}
