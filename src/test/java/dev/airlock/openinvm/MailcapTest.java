package dev.airlock.openinvm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MailcapTest {

    @Test
    void firstUsableEntryWinsAndWildcardsMatch() {
        Mailcap m = Mailcap.parse("""
                # comment
                text/plain; less %s; needsterminal
                text/plain; view %s; copiousoutput
                text/plain; gui %s; test=test -n "$DISPLAY"
                text/plain; cat; description=reads stdin
                text/plain; edit %s
                text/*; other %s
                image; viewer %s
                """);
        assertThat(m.findAll("TEXT/PLAIN")).extracting(Mailcap.Entry::command)
                .containsExactly("less %s", "edit %s", "other %s");
        assertThat(m.findAll("TEXT/PLAIN").getFirst().needsTerminal()).isTrue();
        assertThat(m.findAll("text/html")).extracting(Mailcap.Entry::command).containsExactly("other %s");
        assertThat(m.findAll("image/png")).extracting(Mailcap.Entry::command).containsExactly("viewer %s");
        assertThat(m.findAll("application/pdf")).isEmpty();
    }

    @Test
    void continuationLinesAndEscapedSemicolonsAreJoined() {
        Mailcap m = Mailcap.parse("application/x-a; first %s \\; \\\n second; nametemplate=%s.a\n");
        assertThat(m.entries()).containsExactly(new Mailcap.Entry("application/x-a", "first %s ;  second"));
    }

    @Test
    void fileNameIsQuotedSoTheShellSeesOneWord() {
        Mailcap.Entry e = new Mailcap.Entry("text/plain", "ed %s %t 100%%");
        assertThat(e.commandFor("/tmp/a b'c", "text/plain")).isEqualTo("ed '/tmp/a b'\\''c' 'text/plain' 100%");
    }

    @Test
    void malformedLinesAreIgnored() {
        assertThat(Mailcap.parse("garbage\n;\n; x %s\n\n").entries()).isEmpty();
    }
}
