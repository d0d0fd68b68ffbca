package dev.airlock.menu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** Thunar's {@code uca.xml}, which holds the user's own actions too: merged, never corrupted. */
class ThunarActionsTest {
    /** A file as Thunar writes it, with the user's own action and a comment. */
    private static final String USERS = """
            <?xml version="1.0" encoding="UTF-8"?>
            <actions>
            <!-- mine -->
            <action>
            \t<icon>utilities-terminal</icon>
            \t<name>Open Terminal Here</name>
            \t<submenu></submenu>
            \t<unique-id>1700000000000000-1</unique-id>
            \t<command>exo-open --working-directory %f --launch TerminalEmulator</command>
            \t<description>Example for a custom action</description>
            \t<range></range>
            \t<patterns>*</patterns>
            \t<startup-notify/>
            \t<directories/>
            </action>
            </actions>
            """;

    @TempDir
    Path tmp;

    private Installation.Dirs dirs;
    private Path uca;
    private final FileManagers.Side host = new FileManagers.Host(List.of("/usr/local/bin/airlock"));

    @BeforeEach
    void home() {
        dirs = Installation.Dirs.of(Map.of("HOME", tmp.toString()));
        uca = dirs.configHome().resolve("Thunar/uca.xml");
    }

    private void users() throws IOException {
        Files.createDirectories(uca.getParent());
        Files.writeString(uca, USERS);
    }

    @Test
    void installKeepsTheUsersActionsAndAddsOursOnce() throws Exception {
        users();
        Installation.install(host, dirs);
        Installation.install(host, dirs);
        String merged = Files.readString(uca);
        assertThat(merged).contains("<!-- mine -->", "<unique-id>1700000000000000-1</unique-id>",
                "exo-open --working-directory %f --launch TerminalEmulator", "<startup-notify/>");
        assertThat(ThunarActions.ourIds(merged)).containsExactly("airlock-open-in-disposable",
                "airlock-view-in-disposable", "airlock-send-to-domain");
        assertThat(merged).contains("<command>'" + dirs.dataHome().resolve("airlock-desktop/open-in-disposable")
                + "' %F</command>");
    }

    @Test
    void uninstallGivesBackTheUsersFileAsItWas() throws Exception {
        users();
        Installation.install(host, dirs);
        assertThat(Installation.uninstall(host, dirs)).contains(new Installation.Change(uca,
                Installation.Status.REMOVED));
        // The same document: only the spelling of empty elements may change (<range></range> is <range/>).
        assertThat(parse(Files.readString(uca)).isEqualNode(parse(USERS))).as(Files.readString(uca)).isTrue();
        assertThat(Files.readString(uca)).contains("<!-- mine -->");
    }

    private static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        doc.normalizeDocument();
        return doc;
    }

    @Test
    void uninstallWithoutOursLeavesTheFileUntouched() throws Exception {
        users();
        Object inode = Files.getAttribute(uca, "unix:ino");
        assertThat(Installation.uninstall(host, dirs)).noneMatch(c -> c.path().equals(uca));
        assertThat(Files.getAttribute(uca, "unix:ino")).isEqualTo(inode);
    }

    @Test
    void aMalformedUcaXmlIsNeverRewrittenSoTheUsersActionsAreNotLost() throws Exception {
        Files.createDirectories(uca.getParent());
        String broken = USERS.replace("</actions>", "");
        Files.writeString(uca, broken);
        assertThatThrownBy(() -> Installation.install(host, dirs)).isInstanceOf(IOException.class)
                .hasMessageContaining("cannot be changed safely");
        assertThat(uca).hasContent(broken);
    }

    @Test
    void aUcaXmlWithAnEntityCannotMakeInstallReadOtherFiles() throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret"), "the secret");
        Files.createDirectories(uca.getParent());
        String evil = "<?xml version=\"1.0\"?>\n<!DOCTYPE actions [<!ENTITY s SYSTEM \"file://" + secret
                + "\">]>\n<actions><action><name>&s;</name></action></actions>\n";
        Files.writeString(uca, evil);
        assertThatThrownBy(() -> Installation.install(host, dirs)).isInstanceOf(IOException.class);
        assertThat(uca).hasContent(evil);
    }

    @Test
    void anotherRootElementIsRefused() {
        assertThatThrownBy(() -> ThunarActions.merge("<?xml version=\"1.0\"?><menu/>", host.actions(),
                dirs.dataHome())).isInstanceOf(ThunarActions.UnreadableFileException.class)
                .hasMessageContaining("<menu>");
    }

    @Test
    void anActionTheUserCopiedFromOursButRenamedIsKept() throws Exception {
        users();
        Installation.install(host, dirs);
        String mine = Files.readString(uca).replace("airlock-view-in-disposable", "my-viewer");
        Files.writeString(uca, mine);
        Installation.uninstall(host, dirs);
        assertThat(ThunarActions.ourIds(Files.readString(uca))).isEmpty();
        assertThat(Files.readString(uca)).contains("<unique-id>my-viewer</unique-id>",
                "<unique-id>1700000000000000-1</unique-id>");
    }
}
