package dev.airlock.clipboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The one clipboard the host holds: a paste takes it, so it reaches one domain only. */
class HostClipboardTest {
    private static Clip clip(String source, String text) throws ClipboardRefusal {
        return Clip.of(source, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void pastedClipboardCannotBePastedIntoASecondDomain() throws Exception {
        HostClipboard h = new HostClipboard();
        Clip c = clip("vault", "password");
        h.put(c);

        assertThat(h.take(c)).isTrue();
        assertThat(h.peek()).isEmpty();
        assertThat(h.take(c)).isFalse();
    }

    @Test
    void pasteDecidedForOneClipCannotTakeANewerCopy() throws Exception {
        HostClipboard h = new HostClipboard();
        Clip decided = clip("work", "report");
        h.put(decided);
        Clip newer = clip("vault", "password");
        h.put(newer);

        assertThat(h.take(decided)).isFalse();
        assertThat(h.peek()).containsSame(newer);
    }

    @Test
    void clearEmptiesItAndSaysWhatItHeld() throws Exception {
        HostClipboard h = new HostClipboard();
        Clip c = clip("work", "x");
        h.put(c);

        assertThat(h.clear()).containsSame(c);
        assertThat(h.peek()).isEmpty();
        assertThat(h.clear()).isEmpty();
    }
}
