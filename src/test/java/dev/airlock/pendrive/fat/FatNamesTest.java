package dev.airlock.pendrive.fat;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class FatNamesTest {
    private static String shortName(String name, Set<String> taken) throws FatException.BadName {
        return new String(FatNames.shortName(name, taken), StandardCharsets.US_ASCII);
    }

    @Test
    void upperCaseEightDotThreeNamesAreStoredAsThemselves() throws FatException.BadName {
        assertThat(shortName("README.TXT", Set.of())).isEqualTo("README  TXT");
        assertThat(FatNames.isExact("README.TXT", FatNames.shortName("README.TXT", Set.of()))).isTrue();
        assertThat(FatNames.isExact("readme.txt", FatNames.shortName("readme.txt", Set.of()))).isFalse();
    }

    @Test
    void otherNamesGetABasisNameWithANumericTail() throws FatException.BadName {
        Set<String> taken = new HashSet<>();
        String first = shortName("My Long Document.docx", taken);
        assertThat(first).isEqualTo("MYLONG~1DOC");
        taken.add(first);
        assertThat(shortName("My Long Document 2.docx", taken)).isEqualTo("MYLONG~2DOC");
        assertThat(shortName(".bashrc", Set.of())).isEqualTo("BASHRC~1   ");
        assertThat(shortName("日本語.txt", Set.of())).isEqualTo("___~1   TXT");
    }

    @Test
    void anExactNameAlreadyTakenByATailGetsAnother() throws FatException.BadName {
        assertThat(shortName("FOO~1", Set.of("FOO~1      "))).isEqualTo("FOO~1~1    ");
    }

    @Test
    void checksumMatchesTheFormatsDefinition() {
        // Computed by hand with the rotate-right-and-add rule over "README  TXT".
        byte[] name = "README  TXT".getBytes(StandardCharsets.US_ASCII);
        int sum = 0;
        for (byte b : name) {
            sum = ((sum >> 1) | ((sum & 1) << 7)) + (b & 0xFF) & 0xFF;
        }
        assertThat(FatNames.checksum(name, 0)).isEqualTo(sum).isEqualTo(0x73);
    }

    @Test
    void longNameSlotsComeLastPartFirstWithTerminatorAndPadding() {
        String name = "fourteen chars";
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        FatNames.putLongName(b, name, 0x55);
        assertThat(b.get(0)).isEqualTo((byte) 0x42);
        assertThat(b.get(32)).isEqualTo((byte) 0x01);
        assertThat(b.get(11)).isEqualTo((byte) 0x0F);
        assertThat(b.get(13)).isEqualTo((byte) 0x55);
        assertThat(b.getChar(1)).isEqualTo('s');
        assertThat(b.getShort(3)).isZero();
        assertThat(b.getShort(5)).isEqualTo((short) 0xFFFF);
    }

    @Test
    void labelIsPaddedToElevenBytes() {
        assertThat(new String(FatNames.label("work"), StandardCharsets.US_ASCII)).isEqualTo("WORK       ");
    }
}
