package dev.airlock.xdg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.testing.Threat;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one {@code .desktop} parser: quoting, escapes, field codes, limits, and the entries that must be refused. */
class DesktopFileTest {
    private static DesktopFile parse(String text) throws MalformedEntryException {
        return DesktopFile.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String entry(String exec) {
        return "[Desktop Entry]\nType=Application\nName=X\nExec=" + exec + "\n";
    }

    private static void refused(Map<String, String> threats) throws Exception {
        for (Map.Entry<String, String> t : threats.entrySet()) {
            Threat.named(t.getKey(), () -> assertThatThrownBy(() -> parse(t.getValue()))
                    .isInstanceOf(MalformedEntryException.class));
        }
    }

    @Test
    void fieldCodesAreTypedAndBecomeTheFileOrDisappear() throws Exception {
        Exec exec = parse(entry("viewer --file=%u %i")).exec();
        assertThat(exec.args().get(1).parts())
                .containsExactly(new Exec.Text("--file="), new Exec.FieldCode('u'));
        assertThat(exec.fileCodes()).isEqualTo(1);
        assertThat(exec.argvFor("/tmp/a.pdf")).containsExactly("viewer", "--file=/tmp/a.pdf");
        assertThat(exec.argvWithoutFile()).containsExactly("viewer", "--file=");
        assertThat(parse(entry("viewer %f")).exec().argvFor("/tmp/a.pdf")).containsExactly("viewer", "/tmp/a.pdf");
        assertThat(parse(entry("viewer --new %U")).exec().argvFor("/f")).containsExactly("viewer", "--new", "/f");
        assertThat(parse(entry("viewer %i %c %k %F")).exec().argvFor("/f")).containsExactly("viewer", "/f");
        assertThat(parse(entry("viewer %i %c %k %F")).exec().argvWithoutFile()).containsExactly("viewer");
        assertThat(parse(entry("viewer --ratio=100%% %f")).exec().argvFor("/f"))
                .containsExactly("viewer", "--ratio=100%", "/f");
        assertThat(parse(entry("viewer \"\" %f")).exec().argvWithoutFile()).containsExactly("viewer", "");
    }

    @Test
    void quotedArgumentsKeepTheirSpacesAndEscapes() throws Exception {
        assertThat(parse(entry("\"/opt/My App/run\" \"a \\\\\"b\\\\\" \\\\$HOME\" %f")).exec().argvFor("/f"))
                .containsExactly("/opt/My App/run", "a \"b\" $HOME", "/f");
        assertThat(parse(entry("sh -c \"exec viewer \\\\\"\\\\$1\\\\\"\" sh %f")).exec().argvFor("/f"))
                .containsExactly("sh", "-c", "exec viewer \"$1\"", "sh", "/f");
        assertThat(parse(entry("\"a\\sb\" %f")).exec().argvFor("/f")).containsExactly("a b", "/f");
        assertThat(parse(entry("\"/opt/my app/run\" \"a\\\\\\\\b\" 100%% %F")).exec().argvWithoutFile())
                .containsExactly("/opt/my app/run", "a\\b", "100%");
    }

    @Test
    void theKeysTheCallersReadAreRead() throws Exception {
        DesktopFile f = parse("""
                # comment
                [Desktop Entry]
                Type=Application
                Name=My\\sViewer
                Name[de]=Betrachter
                Icon=viewer
                Exec=less %f
                Exec[de]=rm -rf %f
                Terminal=true
                NoDisplay=false

                [Desktop Action new]
                Exec=rm -rf / %f
                """);
        assertThat(f.name()).isEqualTo("My Viewer");
        assertThat(f.icon()).isEqualTo("viewer");
        assertThat(f.terminal()).isTrue();
        assertThat(f.noDisplay()).isFalse();
        assertThat(f.exec().argvFor("/f")).containsExactly("less", "/f");
    }

    @Test
    void shellSyntaxInExecIsRefusedNotInterpreted() throws Exception {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("a command separator", entry("viewer %f; rm -rf ~"));
        t.put("a pipe", entry("viewer %f | tee /tmp/x"));
        t.put("a command substitution", entry("viewer $(id) %f"));
        t.put("backquotes", entry("viewer `id` %f"));
        t.put("a redirection", entry("viewer %f > /tmp/out"));
        t.put("a tilde", entry("viewer ~/x %f"));
        t.put("a background job", entry("viewer %f &"));
        t.put("single quotes, which the specification does not know", entry("viewer 'quoted' %f"));
        t.put("a glob", entry("viewer *.pdf %f"));
        t.put("a raw tab, which only the escape may give", entry("viewer\t%f"));
        refused(t);
    }

    @Test
    void quotesAndEscapesThatCouldMeanTwoThingsAreRefused() throws Exception {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("an unterminated quote", entry("viewer \"unterminated %f"));
        t.put("a quote glued to more text", entry("viewer \"a\"b %f"));
        t.put("a quote inside an argument", entry("viewer a\"b\" %f"));
        t.put("backquotes in quotes", entry("viewer \"a `id`\" %f"));
        t.put("a variable in quotes", entry("viewer \"a $HOME\" %f"));
        t.put("a backslash in quotes escaping nothing", entry("viewer \"a\\\\q\" %f"));
        t.put("an unknown escape", entry("viewer \\q %f"));
        t.put("a lone backslash at the end", entry("viewer %f \\"));
        t.put("an unknown escape in Name", entry("viewer %f").replace("Name=X", "Name=\\x"));
        refused(t);
    }

    @Test
    void fieldCodesThatCouldMeanTwoThingsAreRefused() throws Exception {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("a field code inside quotes", entry("\"viewer %f\""));
        t.put("a field code inside a quoted option", entry("viewer \"--a=%f\""));
        t.put("the file named twice", entry("viewer %f %f"));
        t.put("the file named twice by different codes", entry("viewer %f %U"));
        t.put("a list code glued to text", entry("viewer --x=%F"));
        t.put("an unknown field code", entry("viewer %z %f"));
        t.put("a field code as the program", entry("%f"));
        t.put("a field code inside the program", entry("viewer%f"));
        t.put("a lone % at the end", entry("viewer %"));
        t.put("an empty Exec", entry(""));
        t.put("an empty program", entry("\"\" %f"));
        refused(t);
    }

    @Test
    void entriesThatAreNoRunnableApplicationAreRefused() throws Exception {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("a link rather than an application", "[Desktop Entry]\nType=Link\nName=x\nURL=file:///etc\n");
        t.put("no Type", "[Desktop Entry]\nExec=viewer %f\n");
        t.put("a hidden (deleted) entry", entry("viewer %f") + "Hidden=true\n");
        t.put("no Exec", "[Desktop Entry]\nType=Application\n");
        t.put("no [Desktop Entry] group", "[Other]\nType=Application\nExec=viewer %f\n");
        t.put("a key outside any group", "Type=Application\nExec=viewer %f\n");
        t.put("a second [Desktop Entry] group", entry("viewer %f") + "[Desktop Entry]\nExec=evil %f\n");
        t.put("a malformed group header", entry("viewer %f") + "[Desktop Action x\n");
        t.put("a line that is no key=value", entry("viewer %f") + "evil\n");
        t.put("a boolean that is neither true nor false", entry("viewer %f") + "Terminal=maybe\n");
        t.put("a control character", entry("viewer\u0007 %f"));
        t.put("a carriage return", entry("viewer %f").replace("\n", "\r\n"));
        refused(t);
    }

    @Test
    void aKeyGivenTwiceIsRefusedRatherThanOneOfThemChosen() throws Exception {
        String base = entry("viewer %f") + "Icon=v\nTerminal=false\nNoDisplay=false\nHidden=false\n";
        assertThat(parse(base).exec().argvFor("/f")).containsExactly("viewer", "/f");
        Map<String, String> t = new LinkedHashMap<>();
        for (String key : new String[] {"Exec=evil %f", "Type=Application", "Name=Other", "Icon=/etc/shadow",
                "Terminal=true", "NoDisplay=true", "Hidden=true"}) {
            t.put("a second " + key.substring(0, key.indexOf('=')), base + key + "\n");
        }
        refused(t);
        assertThat(parse(base + "Comment=a\nComment=b\n").exec().argvFor("/f"))
                .as("keys nobody reads are not checked").containsExactly("viewer", "/f");
    }

    @Test
    void oversizedFilesLongExecLinesAndOtherEncodingsAreRefused() throws Exception {
        Threat.named("an oversized file", () -> assertThatThrownBy(() -> parse(entry("viewer %f")
                + "#".repeat(DesktopFile.MAX_BYTES))).isInstanceOf(MalformedEntryException.class)
                .hasMessage("larger than " + DesktopFile.MAX_BYTES + " bytes"));
        Threat.named("too many arguments", () -> assertThatThrownBy(() -> parse(entry("viewer" + " a".repeat(256))))
                .isInstanceOf(MalformedEntryException.class).hasMessage("more than 256 arguments in Exec"));
        assertThat(parse(entry("viewer" + " a".repeat(255))).exec().args()).hasSize(256);
        Threat.named("bytes that are not UTF-8", () -> assertThatThrownBy(() -> DesktopFile.parse(
                (entry("viewer %f") + "Comment=\u00ff\n").getBytes(StandardCharsets.ISO_8859_1)))
                .isInstanceOf(MalformedEntryException.class).hasMessage("not UTF-8"));
    }
}
