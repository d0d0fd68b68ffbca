package dev.airlock.pendrive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class PenRequestTest {

    @Test
    void parsesEveryRequestOfTheSpec() {
        assertThat(PenRequest.parse("new")).isEqualTo(new PenRequest.New());
        assertThat(PenRequest.parse("umount")).isEqualTo(new PenRequest.Umount());
        assertThat(PenRequest.parse("killme")).isEqualTo(new PenRequest.Killme());
        assertThat(PenRequest.parse("send personal")).isEqualTo(new PenRequest.Send("personal", 0));
        assertThat(PenRequest.parse("send my_vm-2 17")).isEqualTo(new PenRequest.Send("my_vm-2", 17));
        assertThat(PenRequest.parse(" send\tdisposable  5 ")).isEqualTo(new PenRequest.SendDisposable(5));
        assertThat(PenRequest.parse("send work 999999999")).isEqualTo(new PenRequest.Send("work", 999_999_999));
    }

    @Test
    void hostileNamesAndNumbersRefused() {
        for (String bad : new String[] {"send ../etc", "send a/b", "send a.b", "send " + "a".repeat(32),
                "send work 1000000000", "send work +1", "send work 0x10", "send work 1e3", "send work ١",
                "send wörk", "send disposable 0", "send disposable", "send disposable x", "send work 1 2",
                "new\u0000", "send\u000bwork", "NEW", "umount now", "", "\t"}) {
            assertThatThrownBy(() -> PenRequest.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void valueOverLimitRefusedUnread() {
        assertThatThrownBy(() -> PenRequest.parse("send " + "a".repeat(PenRequest.MAX_CHARS)))
                .hasMessageContaining("longer than");
        assertThatThrownBy(() -> PenRequest.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 3000)
    void anyValueParsesToAWellFormedRequestOrIsRefused(@ForAll String value) {
        PenRequest r;
        try {
            r = PenRequest.parse(value);
        } catch (IllegalArgumentException e) {
            return;
        }
        if (r instanceof PenRequest.Send(String dest, int seq)) {
            assertThat(dest).matches("[A-Za-z0-9_-]{1,31}").isNotEqualTo(PenRequest.DISPOSABLE);
            assertThat(seq).isBetween(0, PenRequest.MAX_SEQ);
        }
        if (r instanceof PenRequest.SendDisposable(int seq)) {
            assertThat(seq).isBetween(1, PenRequest.MAX_SEQ);
        }
    }
}
