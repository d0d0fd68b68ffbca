package dev.airlock.backup;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** backup-header as Qubes R4 writes it, and the reader's rules (docs/backup.md section 3). */
class BackupHeaderTest {

    private static BackupHeader parse(String s) throws BackupFormatException {
        return BackupHeader.parse(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static final String R4 = """
            version=4
            encrypted=True
            compressed=True
            compression-filter=gzip
            hmac-algorithm=scrypt
            backup-id=20230405T123455-1234
            """;

    @Test
    void qubesR4HeaderParsesAndFormatsTheSame() throws BackupFormatException {
        BackupHeader h = parse(R4);
        assertThat(h).isEqualTo(new BackupHeader(true, "gzip", "20230405T123455-1234"));
        assertThat(new String(h.format(), StandardCharsets.US_ASCII)).isEqualTo(R4);
        assertThat(parse(R4.replace("compressed=True", "compressed=yes").replace("\n", "\r\n")
                + "future-key=whatever\n").compressed()).isTrue();
    }

    @Test
    void aFilterThatIsNotListedIsNeverAccepted() {
        assertThatThrownBy(() -> parse(R4.replace("=gzip", "=sh"))).hasMessageContaining("not one of");
        assertThatThrownBy(() -> parse(R4.replace("=gzip", "=-gzip"))).hasMessageContaining("not one of");
        assertThatThrownBy(() -> parse(R4.replace("=gzip", "=gzip -c;id")))
                .hasMessageContaining("value outside [A-Za-z0-9-]");
    }

    @Test
    void malformedHeadersAreRefused() {
        assertThatThrownBy(() -> parse(R4.replace("version=4", "version=3"))).hasMessageContaining("not supported");
        assertThatThrownBy(() -> parse(R4 + "version=4\n")).hasMessageContaining("given twice");
        assertThatThrownBy(() -> parse(R4.replace("backup-id=20230405T123455-1234\n", "")))
                .hasMessage("backup-header lacks backup-id");
        assertThatThrownBy(() -> parse(R4.replace("backup-id=2", "backup-id=-2")))
                .hasMessageContaining("starts with '-'");
        assertThatThrownBy(() -> parse(R4 + "a=b=c\n")).hasMessageContaining("malformed line");
        assertThatThrownBy(() -> parse(R4 + "x=\u00e9\n")).hasMessage("backup-header is not ASCII");
        assertThatThrownBy(() -> parse(R4 + "x".repeat(5000))).hasMessageContaining("over 4096 bytes");
    }
}
