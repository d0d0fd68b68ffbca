package dev.airlock.domain;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A registry file written by someone else is untrusted input: every malformed or hostile file is refused with a
 * message that names the file, where the problem is and what it is; nothing is dropped or repaired, and the
 * file is left as it was.
 */
class HostileRegistryTest {

    @TempDir
    Path home;
    Registry registry;

    @BeforeEach
    void open() throws IOException {
        registry = Registry.open(home);
    }

    private String refusal(String xml) throws IOException {
        Path file = home.resolve("domains.xml");
        Files.writeString(file, xml, StandardCharsets.UTF_8);
        Throwable read = org.assertj.core.api.Assertions.catchThrowable(() -> registry.read(Domains::size));
        Throwable update = org.assertj.core.api.Assertions.catchThrowable(
                () -> registry.update(d -> d.add(Domain.of("new", DomainClass.APP_VM, Label.RED))));
        assertThat(read).isInstanceOf(IOException.class).hasMessageStartingWith(registry.file() + ": ");
        assertThat(update).isInstanceOf(IOException.class).hasMessage(read.getMessage());
        assertThat(Files.readString(file)).as("an update must not replace a bad registry").isEqualTo(xml);
        return read.getMessage();
    }

    private static String registryOf(String domains) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<domains version=\"1\">\n" + domains + "</domains>\n";
    }

    @Test
    void entityExpansionBillionLaughsIsRefusedBeforeAnyExpansion() throws IOException {
        StringBuilder dtd = new StringBuilder("<!DOCTYPE domains [\n<!ENTITY lol0 \"lol\">\n");
        for (int i = 1; i <= 9; i++) {
            dtd.append("<!ENTITY lol").append(i).append(" \"").append(("&lol" + (i - 1) + ";").repeat(10))
                    .append("\">\n");
        }
        dtd.append("]>\n");
        String xml = "<?xml version=\"1.0\"?>\n" + dtd + "<domains version=\"1\"><domain name=\"a\" class=\"AppVM\">"
                + "<label>red</label><tag>&lol9;</tag></domain></domains>";
        assertThat(refusal(xml)).contains("DOCTYPE").contains("line ");
    }

    @Test
    void externalEntityCannotReadLocalFiles() throws IOException {
        String xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE domains [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
                + registryOf("<domain name=\"a\" class=\"AppVM\"><label>red</label><tag>&xxe;</tag></domain>\n")
                .substring("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".length());
        assertThat(refusal(xml)).contains("DOCTYPE").doesNotContain("root:");
    }

    @Test
    void externalDtdIsNeverFetched() throws IOException {
        String xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE domains SYSTEM \"http://127.0.0.1:9/evil.dtd\">\n"
                + "<domains version=\"1\"/>";
        assertThat(refusal(xml)).contains("DOCTYPE");
    }

    @Test
    void xincludeIsJustAnUnknownElement() throws IOException {
        String xml = registryOf("<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"/etc/passwd\"/>\n");
        assertThat(refusal(xml)).contains("domain #1: unknown element <xi:include>").doesNotContain("root:");
    }

    @Test
    void oversizedFileIsRefusedWithoutReadingIt() throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(home.resolve("domains.xml").toFile(), "rw")) {
            f.setLength(Registry.MAX_BYTES + 1L);
        }
        assertThatThrownBy(() -> registry.read(Domains::size)).hasMessageEndingWith("larger than 16777216 bytes");
    }

    @Test
    void tooManyDomainsAreRefused() throws IOException {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i <= Domains.MAX_DOMAINS; i++) {
            b.append("<domain name=\"d").append(i).append("\" class=\"AppVM\"><label>red</label></domain>\n");
        }
        assertThat(refusal(registryOf(b.toString()))).endsWith("more than 10000 domains");
    }

    @ParameterizedTest
    @ValueSource(strings = {"DOM0", "Dom0", "domain-0", "DEFAULT", "None",
            "sys-usb-DM"})
    void handEditedRegistryCannotSmuggleAReservedNameInAnotherCase(String name) throws IOException {
        assertThat(refusal(registryOf("<domain name=\"" + name + "\" class=\"AppVM\"><label>red</label></domain>\n")))
                .contains("domain #1: invalid domain name \"" + name + "\"");
        assertThat(refusal(registryOf("<domain name=\"work\" class=\"AppVM\"><label>red</label>"
                + "<template>" + name + "</template></domain>\n")))
                .contains("invalid template \"" + name + "\"");
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "<domain name=\"1abc\" class=\"AppVM\"><label>red</label></domain>"
                    + " | domain #1: invalid domain name \"1abc\": must start with a letter",
            "<domain name=\"dom0\" class=\"AppVM\"><label>red</label></domain>"
                    + " | domain #1: invalid domain name \"dom0\": a reserved name",
            "<domain name=\"../../etc\" class=\"AppVM\"><label>red</label></domain>"
                    + " | domain #1: invalid domain name \"../../etc\"",
            "<domain name=\"abcdefghijklmnopqrstuvwxyz0123456\" class=\"AppVM\"><label>red</label></domain>"
                    + " | longer than 31 characters",
            "<domain name=\"a\" class=\"AppVM\"><label>red</label></domain><domain name=\"a\" class=\"AppVM\">"
                    + "<label>red</label></domain> | domain a is listed twice",
            "<domain name=\"a\" class=\"StandaloneVM\"><label>red</label></domain>"
                    + " | domain a: unknown domain class \"StandaloneVM\"",
            "<domain name=\"a\" class=\"AdminVM\"><label>red</label></domain>"
                    + " | domain a: unknown domain class \"AdminVM\"",
            "<domain name=\"a\" class=\"AppVM\"><label>red</label><template>gone</template></domain>"
                    + " | domain a: its template gone does not exist",
            "<domain name=\"a\" class=\"AppVM\"><label>red</label><default_dispvm>gone</default_dispvm></domain>"
                    + " | domain a: its default_dispvm gone does not exist",
            "<domain name=\"a\" class=\"AppVM\"><label>red</label><template>..</template></domain>"
                    + " | domain a: invalid template \"..\"",
            "<domain name=\"a\" class=\"AppVM\"><label>pink</label></domain> | domain a: unknown label \"pink\"",
            "<domain name=\"a\" class=\"AppVM\"></domain> | domain a: no <label>",
            "<domain name=\"a\" class=\"AppVM\"><label>red</label><label>red</label></domain>"
                    + " | domain a: <label> is given twice",
            "<domain name=\"a\" class=\"AppVM\"><label>red</label><autostart>yes</autostart></domain>"
                    + " | domain a: <autostart>: expected true or false, found \"yes\"",
            "<domain name=\"a\" class=\"AppVM\"><label>red</label><tag>x</tag><tag>x</tag></domain>"
                    + " | domain a: tag \"x\" is given twice",
            "<domain name=\"a\" class=\"AppVM\"><label>red</label><tag>a b</tag></domain>"
                    + " | domain a: invalid tag \"a b\"",
            "<domain name=\"a\" class=\"AppVM\"><label>red</label><netvm>sys-net</netvm></domain>"
                    + " | domain a: unknown element <netvm>",
            "<domain name=\"a\" class=\"AppVM\" id=\"3\"><label>red</label></domain>"
                    + " | domain #1: unknown attribute \"id\"",
            "<domain class=\"AppVM\"><label>red</label></domain> | domain #1: no attribute \"name\"",
            "<domain name=\"a\" class=\"AppVM\"><label>red<b/></label></domain>"
                    + " | domain a: <label> may contain only text",
            "<domain name=\"a\" class=\"AppVM\"><label> red</label></domain> | domain a: unknown label \" red\"",
            "stray text | <domains>: unexpected content \"stray text\"",
            "<?pi data?> | <domains>: unexpected content",
            "<vm name=\"a\"/> | domain #1: unknown element <vm>, expected <domain>",
    })
    void malformedEntriesAreRefusedWithWhatAndWhere(String domains, String message) throws IOException {
        assertThat(refusal(registryOf(domains + "\n"))).contains(message);
    }

    @Test
    void wrongRootVersionAndGarbageAreRefused() throws IOException {
        assertThat(refusal("<qubes/>")).contains("the root element is <qubes>, expected <domains>");
        assertThat(refusal("<domains version=\"2\"/>")).contains("unsupported registry version \"2\"");
        assertThat(refusal("<domains version=\"1\"><domain")).contains("not valid XML (line 1");
        assertThat(refusal("")).contains("not valid XML");
    }

    @Test
    void aSymlinkedRegistryFileIsNotFollowed() throws IOException {
        Path elsewhere = Files.writeString(home.resolve("elsewhere.xml"), registryOf(""));
        Files.createSymbolicLink(home.resolve("domains.xml"), elsewhere);
        assertThatThrownBy(() -> registry.read(Domains::size)).hasMessageContaining("cannot open")
                .hasMessageContaining("symbolic links");
    }
}
