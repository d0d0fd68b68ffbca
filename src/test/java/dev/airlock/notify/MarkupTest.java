package dev.airlock.notify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a domain can put into a notification's text: nothing that a daemon reads as markup or layout. */
class MarkupTest {
    @Test
    void domainChosenTextCannotAddLinksOrImagesToTheNotification() {
        String s = Markup.inert("qubes.Filecopy+<a href=\"https://evil.example\">update</a><img src=x>&amp;",
                Markup.MAX_BODY, true);
        assertThat(s).doesNotContain("<").doesNotContain(">")
                .isEqualTo("qubes.Filecopy+&lt;a href=\"https://evil.example\"&gt;update&lt;/a&gt;"
                        + "&lt;img src=x&gt;&amp;amp;");
    }

    @Test
    void domainChosenTextCannotForgeALineOfItsOwnInTheSummary() {
        assertThat(Markup.inert("Denied: x from work\nAllowed: everything", Markup.MAX_SUMMARY, false))
                .doesNotContain("\n").isEqualTo("Denied: x from work Allowed: everything");
        assertThat(Markup.inert("a\u0000b\u001b[2Jc\td", 100, true)).isEqualTo("a b [2Jc d");
    }

    @Test
    void directionOverrideCannotReorderTheShownText() {
        // "work" written so that it reads as "krow" ... or hides what follows.
        String s = Markup.inert("from \u202ekrow\u202c to \u2066vault\u2069\u200b\u2028x", 100, true);
        assertThat(s).isEqualTo("from  krow  to  vault   x");
        assertThat(s.codePoints()).allMatch(cp -> Character.getType(cp) != Character.FORMAT);
    }

    @Test
    void hugeTextIsCutBeforeEscapingSoNoEntityIsCutInHalf() {
        String s = Markup.inert("&".repeat(10_000), 10, true);
        assertThat(s).isEqualTo("&amp;".repeat(10) + "...");
        assertThat(Markup.inert("short", 10, true)).isEqualTo("short");
    }

    @Test
    void domainNamesAndArgumentsAreBoundedInTheNotice() {
        Notice n = Notice.denied("work", "v".repeat(500), "qubes.Filecopy", "a".repeat(500), "refused");
        assertThat(n.summary()).hasSizeLessThan(Notice.MAX_PIECE * 3);
        assertThat(n.summary()).startsWith("Denied: qubes.Filecopy+aaaa").contains(" from work to vvvv");
    }
}
