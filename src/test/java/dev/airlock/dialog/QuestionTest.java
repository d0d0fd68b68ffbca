package dev.airlock.dialog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.domain.Label;
import dev.airlock.text.TerminalText;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuestionTest {
    private static final List<Question.Choice> OFFERED = List.of(new Question.Choice("personal", Label.BLUE),
            new Question.Choice("@dispvm:fedora-dvm", Label.GRAY));

    private static Question ask(String service, String argument, String requested) {
        return new Question("work", Label.RED, service, argument, requested, OFFERED, "personal", 60);
    }

    @Test
    void questionSaysInWordsWhoWantsWhat() {
        assertThat(ask("qubes.Filecopy", "", "@default").wants()).isEqualTo("wants to copy files");
        assertThat(ask("qubes.Filecopy", "", "personal").wants()).isEqualTo("wants to copy files to personal");
        assertThat(ask("qubes.OpenInVM", "", "@dispvm").wants()).isEqualTo("wants to open a file in a disposable");
        assertThat(ask("qubes.OpenInVM", "", "@dispvm:fedora-dvm").wants())
                .isEqualTo("wants to open a file in a disposable of fedora-dvm");
        assertThat(ask("my.Service", "arg", "vault").wants()).isEqualTo("wants to call my.Service+arg in vault");
        assertThat(OFFERED.get(1).words()).isEqualTo("a new disposable of fedora-dvm");
        assertThat(ask("qubes.Filecopy", "", "@default").title()).isEqualTo("airlock: work asks");
        assertThat(ask("qubes.Filecopy", "", "@default").warning()).isEmpty();
        assertThat(ask("qubes.Filecopy", "allow-all-names", "@default").warning()).contains("disguise");
    }

    @Test
    void hostileArgumentIsShownWithItsHiddenCharactersEscapedAndCut() {
        String hostile = "a\u001b]0;owned\u0007\u202eFDP.exe\nline\u2028two" + "x".repeat(500);
        Question q = ask("qubes.Filecopy", hostile, "\u001b[2J@default\r");
        assertThat(q.argument()).startsWith("a\\u001b]0;owned\\u0007\\u202eFDP.exe\\u000aline\\u2028two")
                .hasSize(Question.MAX_ARGUMENT).endsWith("\u2026");
        assertThat(q.argument().codePoints()).noneMatch(TerminalText::hides);
        assertThat(q.requested()).isEqualTo("\\u001b[2J@default\\u000d");
        assertThat(q.wants()).doesNotContain("\u001b", "\r");
    }

    @Test
    void hostileNamesAreBoundedEvenInTheirEscapedForm() {
        Question q = new Question("\u0007".repeat(300), Label.RED, "s".repeat(1000), "", "@default",
                List.of(new Question.Choice("\u202e".repeat(300), Label.BLUE)), null, 0);
        assertThat(q.source()).hasSize(Question.MAX_NAME);
        assertThat(q.service()).hasSize(Question.MAX_NAME);
        assertThat(q.choices().getFirst().target()).hasSize(Question.MAX_NAME).doesNotContain("\u202e");
    }

    @Test
    void onlyAnOfferedTargetCanBePreselected() {
        assertThatThrownBy(() -> new Question("work", Label.RED, "qubes.Filecopy", "", "@default", OFFERED, "work",
                60)).hasMessageContaining("one of the offered");
        assertThatThrownBy(() -> new Question("work", Label.RED, "qubes.Filecopy", "", "@default", List.of(), null,
                60)).hasMessageContaining("1 to");
        assertThatThrownBy(() -> new Question("work", Label.RED, "qubes.Filecopy", "", "@default",
                List.of(OFFERED.get(0), OFFERED.get(0)), null, 60)).hasMessageContaining("twice");
        List<Question.Choice> many = new ArrayList<>();
        for (int i = 0; i <= Question.MAX_CHOICES; i++) {
            many.add(new Question.Choice("d" + i, Label.GRAY));
        }
        assertThatThrownBy(() -> new Question("work", Label.RED, "qubes.Filecopy", "", "@default", many, null, 60))
                .hasMessageContaining("1 to");
    }

    @Test
    void questionCrossesToTheDialogAsJsonUnchanged() throws IOException {
        Question q = ask("qubes.Filecopy", "allow-all-names", "@default");
        assertThat(q.toJson()).doesNotContain("\n");
        assertThat(Question.fromJson(q.toJson())).isEqualTo(q);
        Question none = new Question("work", Label.RED, "qubes.Filecopy", "", "@default", OFFERED, null, 5);
        assertThat(Question.fromJson(none.toJson())).isEqualTo(none);
    }

    @Test
    void dialogRefusesAMalformedOrOversizedQuestion() {
        assertThatThrownBy(() -> Question.fromJson("[]")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> Question.fromJson("{\"choices\":[]}")).isInstanceOf(IOException.class);
        String unknownLabel = ask("qubes.Filecopy", "", "@default").toJson().replace("\"blue\"", "\"pink\"");
        assertThatThrownBy(() -> Question.fromJson(unknownLabel)).isInstanceOf(IOException.class);
        String offeredTwice = ask("qubes.Filecopy", "", "@default").toJson().replace("fedora-dvm", "personal")
                .replace("@dispvm:", "");
        assertThatThrownBy(() -> Question.fromJson(offeredTwice)).hasMessageContaining("twice");
        assertThatThrownBy(() -> Question.fromJson(" ".repeat(Question.MAX_JSON + 1)))
                .hasMessageContaining("at most");
    }

    @Test
    void dialogAnswerLineIsReadStrictly() {
        assertThat(Answer.parse("deny")).contains(new Answer.Deny());
        assertThat(Answer.parse("allow personal")).contains(new Answer.Allow("personal"));
        assertThat(new Answer.Allow("vault").line()).isEqualTo("allow vault");
        assertThat(Answer.parse(new Answer.Deny().line())).contains(new Answer.Deny());
        assertThat(Answer.parse("allow ")).isEmpty();
        assertThat(Answer.parse("yes")).isEmpty();
        assertThat(Answer.parse(null)).isEmpty();
        assertThat(Answer.parse("allow " + "x".repeat(Answer.MAX_LINE))).isEmpty();
    }
}
